//! The hyper-parameter search: every (max_depth, min_samples_leaf) of the
//! configured grid is fitted on the rows before the validation months and scored
//! by Brier on the validation months (a time split, never random); the lowest wins.

use super::policy::FeaturePolicy;
use super::{fit_tree, ModelError};
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

/// Searches the grid of `cfg` on all cores. Deterministic: the choice is made in
/// grid order, whatever order the threads finish in.
pub fn search(
    fit_x: &[Vec<f64>],
    fit_y: &[u32],
    val_x: &[Vec<f64>],
    val_y: &[u32],
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Result<GridChoice, ModelError> {
    let grid = points(cfg);
    let evaluate =
        |&(depth, leaf): &(u16, usize)| -> Result<(f64, u16, usize, Vec<f64>), ModelError> {
            let candidate = fit_tree(fit_x, fit_y, depth, leaf, cfg, policy)?;
            let p: Vec<f64> = val_x
                .iter()
                .map(|r| candidate.leaf_for(r).probability)
                .collect();
            Ok((brier(&p, val_y).unwrap_or(f64::INFINITY), depth, leaf, p))
        };
    // The grid points are independent: fit them on all cores from a shared queue,
    // deepest (slowest) first so no thread is left with all the expensive trees,
    // then pick in grid order so the choice does not depend on thread timing.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(grid.len())
        .max(1);
    let mut queue: Vec<usize> = (0..grid.len()).collect();
    queue.sort_by_key(|&i| (std::cmp::Reverse(grid[i].0), grid[i].1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<_, ModelError>>>> = (0..grid.len())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let panicked = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = queue.get(k) else { break };
                    let r = evaluate(&grid[i]);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                })
            })
            .collect();
        workers
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
    let results: Vec<Result<_, ModelError>> = slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| Err(ModelError::Fit("et gitterpunkt blev ikke beregnet".into())))
        })
        .collect();
    let mut best: Option<(f64, u16, usize, Vec<f64>)> = None;
    for r in results {
        let r = r?;
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
