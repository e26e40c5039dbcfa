//! The cell's sums and its person-clustered intervals. The nuisances stay fixed
//! (they were cross-fitted). The bootstrap resamples persons with replacement,
//! each with all their months, which is what the months of one person share; in a
//! cell with very many persons (national scale) the analytic person-clustered
//! sandwich interval from the estimator's influence function is used instead,
//! which the bootstrap agrees with (tests) and which costs one pass.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One unit of a cell with what the estimator needs of it.
pub(super) struct Row {
    pub person: u64,
    pub treated: bool,
    pub y: f64,
    /// Outcome minus the untreated outcome model's prediction.
    pub residual: f64,
    /// 1 for the treated, e/(1-e) for the untreated.
    pub weight: f64,
}

/// Sums over a set of rows (one person's or a whole cell's).
#[derive(Default, Clone, Copy)]
pub(super) struct Sums {
    n1: f64,
    y1: f64,
    r1: f64,
    n0: f64,
    y0: f64,
    w0: f64,
    wr0: f64,
}

impl Sums {
    pub fn of<'a>(rows: impl Iterator<Item = &'a Row>) -> Sums {
        let mut s = Sums::default();
        for r in rows {
            s.add_row(r);
        }
        s
    }

    fn add_row(&mut self, r: &Row) {
        if r.treated {
            self.n1 += 1.0;
            self.y1 += r.y;
            self.r1 += r.residual;
        } else {
            self.n0 += 1.0;
            self.y0 += r.y;
            self.w0 += r.weight;
            self.wr0 += r.weight * r.residual;
        }
    }

    fn add(&mut self, o: &Sums) {
        self.n1 += o.n1;
        self.y1 += o.y1;
        self.r1 += o.r1;
        self.n0 += o.n0;
        self.y0 += o.y0;
        self.w0 += o.w0;
        self.wr0 += o.wr0;
    }

    pub fn treated_rate(&self) -> f64 {
        ratio(self.y1, self.n1)
    }

    pub fn naive(&self) -> f64 {
        ratio(self.y1, self.n1) - ratio(self.y0, self.n0)
    }

    /// Normalised AIPW effect on the treated: the treated's mean residual minus
    /// the odds-weighted mean residual of the untreated.
    pub fn aipw(&self) -> f64 {
        ratio(self.r1, self.n1) - ratio(self.wr0, self.w0)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

pub(super) struct Intervals {
    pub att_ci: (f64, f64),
    pub att_se: f64,
    pub naive_ci: (f64, f64),
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let h = p * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Percentile intervals from `resamples` person-clustered resamples.
pub(super) fn clustered(rows: &[Row], resamples: usize, seed: u64) -> Intervals {
    let mut by_person: Vec<(u64, Sums)> = Vec::new();
    let mut order: Vec<&Row> = rows.iter().collect();
    order.sort_by_key(|r| r.person);
    for r in order {
        match by_person.last_mut() {
            Some((p, s)) if *p == r.person => s.add_row(r),
            _ => {
                let mut s = Sums::default();
                s.add_row(r);
                by_person.push((r.person, s));
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = by_person.len();
    let mut att = Vec::with_capacity(resamples);
    let mut naive = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        if n == 0 {
            break;
        }
        let mut s = Sums::default();
        for _ in 0..n {
            s.add(&by_person[rng.random_range(0..n)].1);
        }
        let (a, d) = (s.aipw(), s.naive());
        // A resample without treated or untreated units has no estimate.
        if a.is_finite() && d.is_finite() {
            att.push(a);
            naive.push(d);
        }
    }
    let mean = att.iter().sum::<f64>() / att.len().max(1) as f64;
    let var = att.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (att.len().max(2) - 1) as f64;
    Intervals {
        att_ci: (percentile(&mut att, 0.025), percentile(&mut att, 0.975)),
        att_se: var.sqrt(),
        naive_ci: (percentile(&mut naive, 0.025), percentile(&mut naive, 0.975)),
    }
}

/// Normal 95 % intervals from the person-clustered sandwich variance: the
/// influence function of the normalised AIPW estimator (and of the difference of
/// means) summed per person, squared and added. As
/// `tests/reference/effects_reference.py`'s `cluster_se`.
pub(super) fn analytic(rows: &[Row]) -> Intervals {
    let s = Sums::of(rows.iter());
    let (m1, m0w) = (ratio(s.r1, s.n1), ratio(s.wr0, s.w0));
    let (y1, y0) = (ratio(s.y1, s.n1), ratio(s.y0, s.n0));
    let mut order: Vec<&Row> = rows.iter().collect();
    order.sort_by_key(|r| r.person);
    let (mut var_a, mut var_n) = (0.0, 0.0);
    let (mut acc_a, mut acc_n) = (0.0, 0.0);
    for (i, r) in order.iter().enumerate() {
        if r.treated {
            acc_a += (r.residual - m1) / s.n1;
            acc_n += (r.y - y1) / s.n1;
        } else {
            acc_a -= r.weight * (r.residual - m0w) / s.w0;
            acc_n -= (r.y - y0) / s.n0;
        }
        if order.get(i + 1).is_none_or(|next| next.person != r.person) {
            var_a += acc_a * acc_a;
            var_n += acc_n * acc_n;
            (acc_a, acc_n) = (0.0, 0.0);
        }
    }
    let (se, se_n) = (var_a.sqrt(), var_n.sqrt());
    let z = crate::Z95;
    let (a, d) = (s.aipw(), s.naive());
    Intervals {
        att_ci: (a - z * se, a + z * se),
        att_se: se,
        naive_ci: (d - z * se_n, d + z * se_n),
    }
}
