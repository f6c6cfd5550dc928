//! The published ablation (Table I): the four configurations × R rounds, each run seeded
//! on its own, summarised as mean ± standard deviation, with mean training curves (Fig. 2).
//!
//! - The run list: [`run_config`] (run `i` of an ablation) and [`plan`] (all of them), round
//!   after round, each in Table I's order; round `r`'s seed is [`round_seed`].
//! - [`Ablation`]: the runs stepped an epoch at a time by a caller (the browser's worker),
//!   reporting after every epoch; the CLI trains the [`plan`]'s runs in parallel instead.
//! - [`summarize`]: Table I's rows ([`ConfigSummary`], named as [`ModelConfig::name`]), and
//!   the mean curves ([`Curves`]) while runs come in.
//!
//! The core only runs and summarises; the caller supplies the clock and any parallelism.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::pairs::Sources;
use crate::model::ModelConfig;
use crate::options::AblationOptions;
use crate::stats::Stat;
use crate::train::{
    ClockMs, EpochMetrics, EpochReport, FinalMetrics, RunResult, TrainConfig, TrainError,
    TrainingRun,
};

/// The seed of round `r` (0-based): `base + r`, the same for all four configurations.
pub fn round_seed(base: u64, round: usize) -> u64 {
    base.wrapping_add(round as u64)
}

/// The configuration and training settings of run `index` (0-based) of the ablation
/// `options`: round after round, each in Table I's order.
pub fn run_config(options: &AblationOptions, index: usize) -> TrainConfig {
    let per_round = ModelConfig::ALL.len();
    let (round, model) = (index / per_round, ModelConfig::ALL[index % per_round]);
    TrainConfig {
        model,
        epochs: options.epochs,
        learning_rate: options.lr,
        batch_size: options.batch,
        seed: round_seed(options.seed, round),
    }
}

/// Every run of the ablation `options`, in [`run_config`]'s order.
pub fn plan(options: &AblationOptions) -> Vec<TrainConfig> {
    (0..options.runs())
        .map(|index| run_config(options, index))
        .collect()
}

/// Per-epoch mean ± std curves over rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    pub train_loss: Vec<Stat>,
    pub test_loss: Vec<Stat>,
    pub test_error: Vec<Stat>,
    pub test_error_readout: Vec<Stat>,
}

impl Curves {
    /// The curves of some runs' epochs, for the first `epochs` epochs: each point over the
    /// runs that reached that epoch.
    pub fn of(runs: &[&[EpochMetrics]], epochs: usize) -> Self {
        let curve = |f: &dyn Fn(&EpochMetrics) -> f32| -> Vec<Stat> {
            (0..epochs)
                .map(|e| Stat::of(runs.iter().filter_map(|r| r.get(e)).map(|m| f(m) as f64)))
                .collect()
        };
        Self {
            train_loss: curve(&|m| m.train_loss),
            test_loss: curve(&|m| m.test.loss),
            test_error: curve(&|m| m.test.error),
            test_error_readout: curve(&|m| m.test.error_readout),
        }
    }
}

/// One row of Table I.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigSummary {
    /// The configuration's name: `none`, `share`, `aux` or `share+aux`.
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
    /// Time per run, ms.
    pub elapsed_ms: Stat,
    /// The mean curves over the epochs every run has.
    pub curves: Curves,
}

impl ConfigSummary {
    /// The row of `config` over `runs` (all of that configuration); `None` without runs.
    pub fn of(config: ModelConfig, runs: &[&RunResult]) -> Option<Self> {
        if runs.is_empty() {
            return None;
        }
        let stat = |f: &dyn Fn(&RunResult) -> f32| Stat::of(runs.iter().map(|r| f(r) as f64));
        let epochs: Vec<&[EpochMetrics]> = runs.iter().map(|r| r.epochs.as_slice()).collect();
        let common = epochs.iter().map(|e| e.len()).min().unwrap_or(0);
        Some(Self {
            name: config.name().to_string(),
            share: config.share,
            aux: config.aux,
            rounds: runs.len(),
            train_loss: stat(&|r| r.train.loss),
            test_loss: stat(&|r| r.test.loss),
            train_error: stat(&|r| r.train.error),
            test_error: stat(&|r| r.test.error),
            test_error_readout: stat(&|r| r.test.error_readout),
            test_digit_error: stat(&|r| r.test.digit_error),
            elapsed_ms: Stat::of(runs.iter().map(|r| r.elapsed_ms)),
            curves: Curves::of(&epochs, common),
        })
    }
}

/// Summarises runs per configuration, in Table I order (configurations without runs are left out).
pub fn summarize(runs: &[RunResult]) -> Vec<ConfigSummary> {
    ModelConfig::ALL
        .iter()
        .filter_map(|&config| {
            let of_config: Vec<&RunResult> = runs.iter().filter(|r| r.config == config).collect();
            ConfigSummary::of(config, &of_config)
        })
        .collect()
}

/// One finished run of an ablation, as the page lists it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub metrics: FinalMetrics,
    pub elapsed_ms: f64,
}

impl From<&RunResult> for RunReport {
    fn from(r: &RunResult) -> Self {
        Self {
            metrics: FinalMetrics::new(&r.train, &r.test),
            elapsed_ms: r.elapsed_ms,
        }
    }
}

/// What one step of an [`Ablation`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AblationStep {
    /// The configuration's name: `none`, `share`, `aux` or `share+aux`.
    pub config: &'static str,
    /// 1-based round.
    pub round: usize,
    /// 1-based index of the run among [`AblationStep::runs`].
    pub run: usize,
    pub runs: usize,
    pub epoch: EpochReport,
    /// The configuration's mean curves so far: its finished runs and this one, each epoch
    /// over the runs that reached it.
    pub curves: Curves,
    /// The run's figures when this epoch was its last, else `None`.
    pub finished: Option<RunReport>,
    /// With `finished`: the configuration's Table I row over its finished runs.
    pub row: Option<ConfigSummary>,
}

/// The ablation stepped an epoch at a time: run after run in [`run_config`]'s order, each
/// trained to the end, then summarised.
pub struct Ablation {
    options: AblationOptions,
    sources: Arc<Sources>,
    current: Option<TrainingRun>,
    results: Vec<RunResult>,
}

impl Ablation {
    pub fn new(options: AblationOptions, sources: Arc<Sources>) -> Self {
        Self {
            options,
            sources,
            current: None,
            results: Vec::new(),
        }
    }

    pub fn options(&self) -> &AblationOptions {
        &self.options
    }

    /// Runs finished so far.
    pub fn runs_done(&self) -> usize {
        self.results.len()
    }

    pub fn is_finished(&self) -> bool {
        self.results.len() >= self.options.runs()
    }

    /// Trains the next epoch of the current run (starting the next run first when none is
    /// under way); when that was the run's last epoch, evaluates and records the run.
    /// After an error (a run diverged) the ablation is over.
    pub fn step(&mut self, now_ms: ClockMs) -> Result<AblationStep, TrainError> {
        let index = self.results.len();
        if index >= self.options.runs() {
            return Err(TrainError::Finished(self.options.epochs));
        }
        let run = match &mut self.current {
            Some(run) => run,
            none => none.insert(TrainingRun::start(
                run_config(&self.options, index),
                &self.sources,
                self.options.pairs,
            )?),
        };
        let epoch = run.step(now_ms)?;
        let model = run.config().model;
        let finished = if run.is_finished() {
            let result = run.result()?;
            let report = RunReport::from(&result);
            self.results.push(result);
            self.current = None;
            Some(report)
        } else {
            None
        };
        Ok(AblationStep {
            config: model.name(),
            round: index / ModelConfig::ALL.len() + 1,
            run: index + 1,
            runs: self.options.runs(),
            epoch,
            curves: self.curves_so_far(model),
            finished,
            row: finished.and_then(|_| ConfigSummary::of(model, &self.results_of(model))),
        })
    }

    /// The finished runs of `model`.
    fn results_of(&self, model: ModelConfig) -> Vec<&RunResult> {
        self.results.iter().filter(|r| r.config == model).collect()
    }

    /// `model`'s mean curves over its finished runs and the run under way (if it is one of
    /// `model`'s), each epoch over the runs that reached it.
    fn curves_so_far(&self, model: ModelConfig) -> Curves {
        let mut runs: Vec<&[EpochMetrics]> = self
            .results_of(model)
            .into_iter()
            .map(|r| r.epochs.as_slice())
            .collect();
        if let Some(run) = self.current.as_ref().filter(|r| r.config().model == model) {
            runs.push(run.metrics());
        }
        let longest = runs.iter().map(|r| r.len()).max().unwrap_or(0);
        Curves::of(&runs, longest)
    }

    /// Every finished run.
    pub fn results(&self) -> &[RunResult] {
        &self.results
    }

    /// Table I over the runs finished so far (a configuration without any is left out).
    pub fn summary(&self) -> Vec<ConfigSummary> {
        summarize(&self.results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Evaluation;
    use serde_json::json;

    #[test]
    fn the_run_list_is_round_after_round_in_table_order() {
        let o = AblationOptions {
            rounds: 2,
            epochs: 3,
            ..AblationOptions::PUBLISHED
        };
        let plan = plan(&o);
        let names: Vec<_> = plan.iter().map(|c| c.model.name()).collect();
        assert_eq!(
            names,
            [
                "none",
                "share",
                "aux",
                "share+aux",
                "none",
                "share",
                "aux",
                "share+aux"
            ]
        );
        assert_eq!(plan[3].seed, round_seed(1000, 0));
        assert_eq!(plan[4].seed, round_seed(1000, 1));
        assert_eq!(
            plan[5],
            TrainConfig {
                epochs: 3,
                ..TrainConfig::published(ModelConfig::ALL[1], 1001)
            }
        );
        assert_eq!(plan[7], run_config(&o, 7));
    }

    fn evaluation(loss: f32, error: f32) -> Evaluation {
        Evaluation {
            loss,
            error,
            error_readout: error / 2.0,
            digit_error: error / 3.0,
        }
    }

    fn run_result(config: ModelConfig, test_error: f32, epochs: usize) -> RunResult {
        let epochs = (1..=epochs)
            .map(|epoch| EpochMetrics {
                epoch,
                train_loss: 1.0 / epoch as f32,
                test: evaluation(0.5, test_error + epoch as f32),
            })
            .collect();
        RunResult {
            config,
            seed: 1,
            train: evaluation(0.1, 2.0),
            test: evaluation(0.5, test_error),
            epochs,
            elapsed_ms: 2500.0,
        }
    }

    #[test]
    fn a_run_report_carries_the_final_metrics_and_time() {
        let run = run_result(ModelConfig::SHARE_AUX, 10.0, 1);
        assert_eq!(
            serde_json::to_value(RunReport::from(&run)).unwrap(),
            json!({"train_loss": 0.1f32, "test_loss": 0.5, "train_error": 2.0, "test_error": 10.0,
                   "test_error_readout": 5.0, "test_digit_error": 10.0f32 / 3.0,
                   "elapsed_ms": 2500.0})
        );
    }

    #[test]
    fn table_rows_in_table_order_with_curves_over_common_epochs() {
        let runs = [
            run_result(ModelConfig::SHARE_AUX, 4.0, 3),
            run_result(ModelConfig::ALL[0], 10.0, 2),
            run_result(ModelConfig::SHARE_AUX, 6.0, 2),
        ];
        let rows = summarize(&runs);
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["none", "share+aux"]);
        let best = &rows[1];
        assert_eq!((best.rounds, best.test_error), (2, Stat::of([4.0, 6.0])));
        assert_eq!(
            best.curves.test_error,
            [Stat::of([5.0, 7.0]), Stat::of([6.0, 8.0])]
        );
        // While runs come in, each epoch is over the runs that reached it.
        let longest: Vec<&[EpochMetrics]> = runs.iter().map(|r| r.epochs.as_slice()).collect();
        let live = Curves::of(&longest[..1], 3);
        assert_eq!(live.test_error[2], Stat::of([7.0]));
    }
}
