//! The published ablation (Table I): the four configurations × R rounds, each run seeded
//! on its own, summarised as mean ± standard deviation, with mean training curves (Fig. 2).
//!
//! - The run list: [`run_config`] (run `i` of an ablation) and [`plan`] (all of them), round
//!   after round, each in Table I's order; round `r`'s seed is [`round_seed`].
//! - [`PlannedRun`]: run `i` of the plan stepped an epoch at a time by a caller (one of the
//!   page's training workers, several at once); the CLI trains the [`plan`]'s runs in
//!   parallel with [`crate::train::run`] instead.
//! - [`Results`]: finished runs ([`FinishedRun`]) recorded in any order, summarised in the
//!   plan's order, so Table I does not depend on the order runs finish in.
//! - [`summarize`]: Table I's rows ([`ConfigSummary`], named as [`ModelConfig::name`]) with
//!   their mean curves ([`Curves`]).
//!
//! The core only runs and summarises; the caller supplies the clock and any parallelism.

use serde::{Deserialize, Serialize};

use crate::data::pairs::Sources;
use crate::model::ModelConfig;
use crate::options::AblationOptions;
use crate::stats::Stat;
use crate::train::{
    ClockMs, EpochMetrics, EpochReport, RunResult, TrainConfig, TrainError, TrainingRun,
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
    /// The row's aggregates with their keys, in Table I's order (the CSV's columns).
    pub fn aggregates(&self) -> [(&'static str, &Stat); 7] {
        [
            ("train_loss", &self.train_loss),
            ("test_loss", &self.test_loss),
            ("train_error", &self.train_error),
            ("test_error", &self.test_error),
            ("test_error_readout", &self.test_error_readout),
            ("test_digit_error", &self.test_digit_error),
            ("elapsed_ms", &self.elapsed_ms),
        ]
    }

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
    rows(&runs.iter().collect::<Vec<_>>())
}

/// Table I's rows over `runs`, each configuration's in the order given.
fn rows(runs: &[&RunResult]) -> Vec<ConfigSummary> {
    ModelConfig::ALL
        .iter()
        .filter_map(|&config| {
            let of_config: Vec<&RunResult> = runs
                .iter()
                .copied()
                .filter(|r| r.config == config)
                .collect();
            ConfigSummary::of(config, &of_config)
        })
        .collect()
}

/// Why a run could not join an ablation. Every message says which run and what to do.
#[derive(Debug, thiserror::Error)]
pub enum AblationError {
    #[error("run {index} is not in this ablation: its runs are 0 to {last} ({rounds} rounds × 4 configurations)")]
    NoSuchRun {
        index: usize,
        last: usize,
        rounds: usize,
    },
    #[error("run {0} is already recorded: each run of the plan is recorded once")]
    Duplicate(usize),
    #[error("run {index} is not this ablation's: it trained {got}, the plan says {expected}; record runs started with the same settings")]
    NotPlanned {
        index: usize,
        got: String,
        expected: String,
    },
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// Refuses an `index` outside the plan of `options`.
fn check_index(options: &AblationOptions, index: usize) -> Result<(), AblationError> {
    let runs = options.runs();
    if index >= runs {
        return Err(AblationError::NoSuchRun {
            index,
            last: runs.saturating_sub(1),
            rounds: options.rounds,
        });
    }
    Ok(())
}

/// Run `index` of an ablation's [`plan`], stepped an epoch at a time by its caller (one of
/// the page's training workers); any number of them may run at once, in any order.
pub struct PlannedRun {
    index: usize,
    run: TrainingRun,
}

impl PlannedRun {
    /// Draws run `index`'s pairs from `sources` and makes its seeded model, exactly as
    /// [`run_config`] and `twinnet ablate` do.
    pub fn start(
        options: &AblationOptions,
        sources: &Sources,
        index: usize,
    ) -> Result<Self, AblationError> {
        check_index(options, index)?;
        let run = TrainingRun::start(run_config(options, index), sources, options.pairs)?;
        Ok(Self { index, run })
    }

    /// Its index in the plan (0-based).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Its round (1-based).
    pub fn round(&self) -> usize {
        self.index / ModelConfig::ALL.len() + 1
    }

    pub fn config(&self) -> &TrainConfig {
        self.run.config()
    }

    /// Trains and evaluates the next epoch (see [`TrainingRun::step`]).
    pub fn step(&mut self, now_ms: ClockMs) -> Result<EpochReport, TrainError> {
        self.run.step(now_ms)
    }

    pub fn is_finished(&self) -> bool {
        self.run.is_finished()
    }

    pub fn epochs_done(&self) -> usize {
        self.run.epochs_done()
    }

    /// The run's figures, for [`Results::insert`]: evaluates the model on its training
    /// pairs (see [`TrainingRun::result`]), so call it once, at the end.
    pub fn finish(&self) -> Result<FinishedRun, TrainError> {
        Ok(FinishedRun {
            index: self.index,
            result: self.run.result()?,
        })
    }
}

/// A finished run of an ablation: its index in the [`plan`] and its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedRun {
    pub index: usize,
    pub result: RunResult,
}

/// The finished runs of one ablation, recorded in any order and summarised in the plan's
/// order, so Table I does not depend on which run finished first (nor on how many ran at
/// once): the same seeds give the same numbers, as `twinnet ablate` gives them.
#[derive(Debug, Clone)]
pub struct Results {
    options: AblationOptions,
    /// One slot per run of the plan, by index.
    runs: Vec<Option<RunResult>>,
}

impl Results {
    /// No runs yet of the ablation `options` (checked options: at most
    /// [`crate::options::ROUNDS`]`.max` × 4 runs).
    pub fn new(options: AblationOptions) -> Self {
        Self {
            options,
            runs: vec![None; options.runs()],
        }
    }

    pub fn options(&self) -> &AblationOptions {
        &self.options
    }

    /// Records a finished run: refused if it is not a run of this plan (its index, its
    /// configuration, seed and number of epochs) or was recorded already.
    pub fn insert(&mut self, run: FinishedRun) -> Result<(), AblationError> {
        let FinishedRun { index, result } = run;
        check_index(&self.options, index)?;
        let planned = run_config(&self.options, index);
        let describe = |config: ModelConfig, seed: u64, epochs: usize| {
            format!("{} with seed {seed} for {epochs} epochs", config.name())
        };
        if (result.config, result.seed, result.epochs.len())
            != (planned.model, planned.seed, planned.epochs)
        {
            return Err(AblationError::NotPlanned {
                index,
                got: describe(result.config, result.seed, result.epochs.len()),
                expected: describe(planned.model, planned.seed, planned.epochs),
            });
        }
        let slot = &mut self.runs[index];
        if slot.is_some() {
            return Err(AblationError::Duplicate(index));
        }
        *slot = Some(result);
        Ok(())
    }

    /// Runs recorded so far.
    pub fn runs_done(&self) -> usize {
        self.runs.iter().flatten().count()
    }

    /// Whether every run of the plan is recorded.
    pub fn is_complete(&self) -> bool {
        self.runs.iter().all(Option::is_some)
    }

    /// The recorded runs, in the plan's order.
    pub fn finished(&self) -> impl Iterator<Item = &RunResult> {
        self.runs.iter().flatten()
    }

    /// Table I over the recorded runs (a configuration without any is left out), the same
    /// whatever order they were recorded in.
    pub fn summary(&self) -> Vec<ConfigSummary> {
        let runs: Vec<&RunResult> = self.finished().collect();
        rows(&runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Evaluation;

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

    /// Run `index` of `o`'s plan as a worker would finish it, with a test error of `error`.
    fn finished(o: &AblationOptions, index: usize, error: f32) -> FinishedRun {
        let planned = run_config(o, index);
        let mut result = run_result(planned.model, error, planned.epochs);
        result.seed = planned.seed;
        FinishedRun { index, result }
    }

    #[test]
    fn results_are_the_same_in_any_order() {
        let o = AblationOptions {
            rounds: 3,
            epochs: 2,
            ..AblationOptions::PUBLISHED
        };
        // Errors whose f64 sums depend on the order they are added in.
        let error = |i: usize| 0.1 + i as f32 * 1.37e-3 + (i % 3) as f32 * 7.7;
        let in_order = (0..o.runs()).map(|i| finished(&o, i, error(i)));
        let mut forwards = Results::new(o);
        for run in in_order {
            forwards.insert(run).unwrap();
        }
        let mut backwards = Results::new(o);
        for i in [11, 3, 7, 0, 10, 1, 9, 2, 8, 4, 6, 5] {
            assert!(!backwards.is_complete());
            backwards.insert(finished(&o, i, error(i))).unwrap();
        }
        assert!(backwards.is_complete() && forwards.is_complete());
        assert_eq!(backwards.summary(), forwards.summary());
        let all: Vec<RunResult> = forwards.finished().cloned().collect();
        assert_eq!(forwards.summary(), summarize(&all));
    }

    #[test]
    fn results_refuse_runs_of_another_plan_and_twice_the_same() {
        let o = AblationOptions {
            rounds: 2,
            epochs: 2,
            ..AblationOptions::PUBLISHED
        };
        let mut results = Results::new(o);
        let err = |r: &mut Results, run| r.insert(run).unwrap_err().to_string();
        assert_eq!(
            err(&mut results, finished(&o, 8, 1.0)),
            "run 8 is not in this ablation: its runs are 0 to 7 (2 rounds × 4 configurations)"
        );
        let mut wrong_seed = finished(&o, 5, 1.0);
        wrong_seed.result.seed = 7;
        assert!(err(&mut results, wrong_seed).starts_with(
            "run 5 is not this ablation's: it trained share with seed 7 for 2 epochs, \
             the plan says share with seed 1001 for 2 epochs"
        ));
        let mut cut_short = finished(&o, 2, 1.0);
        cut_short.result.epochs.pop();
        assert!(err(&mut results, cut_short).contains("for 1 epochs, the plan says"));
        results.insert(finished(&o, 2, 1.0)).unwrap();
        assert_eq!(
            err(&mut results, finished(&o, 2, 1.0)),
            "run 2 is already recorded: each run of the plan is recorded once"
        );
        assert_eq!((results.runs_done(), results.summary().len()), (1, 1));
    }
}
