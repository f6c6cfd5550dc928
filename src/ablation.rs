//! The published ablation (Table I): the four configurations × R rounds,
//! summarised as mean ± standard deviation, with mean training curves (Fig. 2).
//!
//! The core only runs and summarises; the caller supplies the clock (the CLI
//! uses `Instant`, the browser `performance.now()`) and any parallelism.

use crate::data::pairs::Sources;
use crate::model::{ModelConfig, TwinNet};
use crate::session::TrainingRun;
use crate::train::{EpochMetrics, Evaluation, TrainConfig, TrainError};

/// One finished training run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    pub config: ModelConfig,
    pub seed: u64,
    /// Eval-mode evaluation on the training pairs after the last epoch.
    pub train: Evaluation,
    /// Eval-mode evaluation on the test pairs after the last epoch.
    pub test: Evaluation,
    /// Every epoch's metrics.
    pub epochs: Vec<EpochMetrics>,
    /// Wall time of all epochs (training and per-epoch test evaluation), seconds.
    pub seconds: f64,
}

/// Mean and sample standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
}

impl Stat {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let v: Vec<f64> = values.into_iter().collect();
        let n = v.len() as f64;
        if v.is_empty() {
            return Self {
                mean: f64::NAN,
                std: f64::NAN,
            };
        }
        let mean = v.iter().sum::<f64>() / n;
        let std = if v.len() > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Self { mean, std }
    }
}

/// The median of some values (sorted in place); NaN when there are none. The benchmarks'
/// statistic: robust to the odd run a busy machine slows down.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Per-epoch mean ± std curves over rounds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Curves {
    pub train_loss: Vec<Stat>,
    pub test_loss: Vec<Stat>,
    pub test_error: Vec<Stat>,
    pub test_error_readout: Vec<Stat>,
}

/// One row of Table I.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSummary {
    pub name: String,
    pub share: bool,
    pub aux: bool,
    pub rounds: usize,
    pub train_loss: Stat,
    pub test_loss: Stat,
    pub train_error: Stat,
    pub test_error: Stat,
    pub test_error_readout: Stat,
    pub test_digit_error: Stat,
    pub seconds: Stat,
    pub curves: Curves,
}

/// Trains one run to the end, calling `on_epoch` after each epoch (return
/// `false` to stop early: the result then covers the epochs done).
/// Returns the run's figures and the trained model. The run's `seconds` are the time
/// of its epochs by `now_seconds` (see [`TrainingRun`], which this drives).
pub fn run(
    config: TrainConfig,
    sources: &Sources,
    pairs: usize,
    now_seconds: &dyn Fn() -> f64,
    on_epoch: &mut dyn FnMut(&EpochMetrics) -> bool,
) -> Result<(RunResult, TwinNet), TrainError> {
    let mut run = TrainingRun::start(config, sources, pairs)?;
    let now_ms = || now_seconds() * 1e3;
    while !run.is_finished() {
        run.step(&now_ms)?;
        let stop = run.metrics().last().is_some_and(|m| !on_epoch(m));
        if stop {
            break;
        }
    }
    let result = run.result()?;
    Ok((result, run.into_model()))
}

/// The seed of round `r` (0-based): `base + r`, the same for all four configurations.
pub fn round_seed(base: u64, round: usize) -> u64 {
    base.wrapping_add(round as u64)
}

/// Summarises runs per configuration, in Table I order (configurations without runs are left out).
pub fn summarize(runs: &[RunResult]) -> Vec<ConfigSummary> {
    ModelConfig::ALL
        .iter()
        .filter_map(|&config| {
            let rs: Vec<&RunResult> = runs.iter().filter(|r| r.config == config).collect();
            if rs.is_empty() {
                return None;
            }
            let stat = |f: &dyn Fn(&RunResult) -> f32| Stat::of(rs.iter().map(|r| f(r) as f64));
            let epochs = rs.iter().map(|r| r.epochs.len()).min().unwrap_or(0);
            let curve = |f: &dyn Fn(&EpochMetrics) -> f32| -> Vec<Stat> {
                (0..epochs)
                    .map(|e| Stat::of(rs.iter().map(|r| f(&r.epochs[e]) as f64)))
                    .collect()
            };
            Some(ConfigSummary {
                name: config.name().to_string(),
                share: config.share,
                aux: config.aux,
                rounds: rs.len(),
                train_loss: stat(&|r| r.train.loss),
                test_loss: stat(&|r| r.test.loss),
                train_error: stat(&|r| r.train.error),
                test_error: stat(&|r| r.test.error),
                test_error_readout: stat(&|r| r.test.error_readout),
                test_digit_error: stat(&|r| r.test.digit_error),
                seconds: Stat::of(rs.iter().map(|r| r.seconds)),
                curves: Curves {
                    train_loss: curve(&|m| m.train_loss),
                    test_loss: curve(&|m| m.test.loss),
                    test_error: curve(&|m| m.test.error),
                    test_error_readout: curve(&|m| m.test.error_readout),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_no_values() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn stat_is_mean_and_sample_std() {
        let s = Stat::of([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.mean, 5.0);
        assert!((s.std - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(Stat::of([3.0]).std, 0.0);
    }
}
