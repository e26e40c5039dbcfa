//! The hyper-parameter search: every (max_depth, min_samples_leaf) of the
//! configured grid is fitted on the rows before the validation months and scored
//! by Brier on the validation months (a time split, never random); the lowest wins.

use super::cart::{self, CartParams};
use super::policy::FeaturePolicy;
use super::tree::{self, TreeNode};
use super::{ModelError, TrainedTree};
use crate::config::PipelineConfig;
use crate::metrics::brier;

/// The chosen grid point and its validation figures.
#[derive(Debug, Clone)]
pub struct GridChoice {
    pub val_brier: f64,
    pub max_depth: u16,
    pub min_samples_leaf: usize,
    /// The chosen candidate's probabilities for the validation rows.
    pub val_probabilities: Vec<f64>,
}

/// The (max_depth, min_samples_leaf) points of the configured grid, in grid order.
pub fn points(cfg: &PipelineConfig) -> Vec<(u16, usize)> {
    let t = &cfg.training;
    t.max_depth
        .iter()
        .flat_map(|&d| t.min_samples_leaf.iter().map(move |&l| (d, l)))
        .collect()
}

/// Searches the grid of `cfg` on all cores. Every grid point gets exactly the tree
/// `fit_tree` would fit for it. Deterministic: the choice is made in grid order,
/// whatever order the threads finish in.
pub fn search(
    fit_x: &[Vec<f64>],
    fit_y: &[u32],
    val_x: &[Vec<f64>],
    val_y: &[u32],
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Result<GridChoice, ModelError> {
    let grid = points(cfg);
    if grid.is_empty() {
        return Err(ModelError::Fit("gitteret er tomt".into()));
    }
    let threads = cart::available_threads();
    // The grid fits the same rows many times: the columns are coded once, and as
    // CART grows greedily from the top, the tree of a smaller max_depth is the
    // deepest tree of the same min_samples_leaf cut (`cart::truncate`), so there is
    // one fit per min_samples_leaf. Each fit searches its levels on all cores.
    let deepest = deepest_per_leaf_size(&grid);
    let fitted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let columns = cart::Columns::new(fit_x, threads)?;
        deepest
            .iter()
            .map(|&(leaf, depth)| {
                let params = CartParams {
                    max_depth: depth,
                    min_samples_leaf: leaf,
                };
                Ok((leaf, cart::fit(&columns, fit_y, params, threads)?))
            })
            .collect::<Result<Vec<(usize, Vec<TreeNode>)>, ModelError>>()
    }))
    .map_err(|_| ModelError::Fit("træningen i hyperparametersøgningen gik ned".into()))??;
    let evaluate =
        |&(depth, leaf): &(u16, usize)| -> Result<(f64, u16, usize, Vec<f64>), ModelError> {
            let deep = fitted
                .iter()
                .find(|f| f.0 == leaf)
                .map(|f| &f.1)
                .ok_or_else(|| ModelError::Fit("et gitterpunkt mangler sit træ".into()))?;
            let nodes = cart::truncate(deep, depth);
            let candidate = TrainedTree {
                leaves: tree::leaves(&nodes, fit_x, fit_y, cfg.training.leaf_smoothing, policy),
                nodes,
                max_depth: depth,
                min_samples_leaf: leaf,
            };
            let p: Vec<f64> = val_x
                .iter()
                .map(|r| candidate.leaf_for(r).probability)
                .collect();
            Ok((brier(&p, val_y).unwrap_or(f64::INFINITY), depth, leaf, p))
        };
    // Leaf rates and validation scores of the grid points are independent: computed
    // on all cores from a shared queue, then picked in grid order so the choice does
    // not depend on thread timing.
    let workers = threads.min(grid.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<_, ModelError>>>> = (0..grid.len())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let panicked = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(point) = grid.get(i) else { break };
                    let r = evaluate(point);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|w| w.join())
            .filter(Result::is_err)
            .count()
    });
    if panicked > 0 {
        return Err(ModelError::Fit(format!(
            "{panicked} tråd(e) i hyperparametersøgningen gik ned"
        )));
    }
    let mut best: Option<(f64, u16, usize, Vec<f64>)> = None;
    for slot in slots {
        let r = slot
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| Err(ModelError::Fit("et gitterpunkt blev ikke beregnet".into())))?;
        // Strictly better only: ties keep the earlier, simpler candidate.
        if best.as_ref().is_none_or(|b| r.0 < b.0) {
            best = Some(r);
        }
    }
    let (val_brier, max_depth, min_samples_leaf, val_probabilities) =
        best.ok_or_else(|| ModelError::Fit("gitteret er tomt".into()))?;
    Ok(GridChoice {
        val_brier,
        max_depth,
        min_samples_leaf,
        val_probabilities,
    })
}

/// Each min_samples_leaf of the grid with the largest max_depth it is paired with,
/// in order of first appearance.
fn deepest_per_leaf_size(grid: &[(u16, usize)]) -> Vec<(usize, u16)> {
    let mut out: Vec<(usize, u16)> = Vec::new();
    for &(depth, leaf) in grid {
        match out.iter_mut().find(|o| o.0 == leaf) {
            Some(o) => o.1 = o.1.max(depth),
            None => out.push((leaf, depth)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fit_tree;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn setup() -> (PipelineConfig, FeaturePolicy) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly.toml");
        let mut cfg = PipelineConfig::load(&path).expect("pipelines/monthly.toml");
        cfg.training.max_depth = vec![1, 3, 6];
        cfg.training.min_samples_leaf = vec![5, 40, 150];
        let policy = FeaturePolicy::parse(
            "protected=[\"sex\"]\nnever_inputs=[\"sex\",\"origin\"]\n\
             [[input]]\nname=\"age\"\nlabel=\"Alder\"\nkind=\"number\"\n\
             [[input]]\nname=\"driving_licence\"\nlabel=\"Kørekort\"\nkind=\"flag\"\n\
             [[input]]\nname=\"earlier_spells\"\nlabel=\"Tidligere forløb\"\nkind=\"number\"\n",
        )
        .expect("policy");
        (cfg, policy)
    }

    fn rows(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let age = f64::from(rng.random_range(18..65u8));
            let licence = f64::from(u8::from(rng.random_bool(0.7)));
            let earlier = f64::from(rng.random_range(0..6u8));
            let logit = -1.0 + 0.04 * (age - 40.0) - 0.8 * licence + 0.3 * earlier;
            y.push(u32::from(rng.random_bool(1.0 / (1.0 + (-logit).exp()))));
            x.push(vec![age, licence, earlier]);
        }
        (x, y)
    }

    #[test]
    fn the_search_gives_each_grid_point_the_tree_fit_tree_fits() {
        let (cfg, policy) = setup();
        let (fit_x, fit_y) = rows(4000, 1);
        let (val_x, val_y) = rows(1000, 2);
        // The slow way: every grid point fitted on its own, in grid order.
        let mut expected: Option<(f64, u16, usize, Vec<f64>)> = None;
        for (depth, leaf) in points(&cfg) {
            let t = fit_tree(&fit_x, &fit_y, depth, leaf, &cfg, &policy).expect("fit");
            let p: Vec<f64> = val_x.iter().map(|r| t.leaf_for(r).probability).collect();
            let b = brier(&p, &val_y).expect("brier");
            if expected.as_ref().is_none_or(|e| b < e.0) {
                expected = Some((b, depth, leaf, p));
            }
        }
        let (b, depth, leaf, p) = expected.expect("a grid");
        let got = search(&fit_x, &fit_y, &val_x, &val_y, &cfg, &policy).expect("search");
        assert_eq!((got.max_depth, got.min_samples_leaf), (depth, leaf));
        assert_eq!(got.val_brier, b);
        assert_eq!(got.val_probabilities, p);
        assert!(depth > 1, "the data reward more than one split");
    }

    #[test]
    fn each_leaf_size_is_fitted_once_at_its_largest_depth() {
        let grid = [(3, 30), (4, 30), (6, 60), (2, 60), (5, 30), (1, 120)];
        assert_eq!(
            deepest_per_leaf_size(&grid),
            vec![(30, 5), (60, 6), (120, 1)]
        );
    }

    #[test]
    fn an_empty_grid_is_an_error() {
        let (mut cfg, policy) = setup();
        cfg.training.max_depth.clear();
        let (x, y) = rows(100, 3);
        assert!(search(&x, &y, &x, &y, &cfg, &policy).is_err());
    }
}
