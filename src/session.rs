//! Training driven from outside, one epoch per call: what the browser's worker needs to
//! train and to run the ablation while staying able to report after every epoch and to
//! stop between epochs.
//!
//! - [`TrainOptions`] and [`AblationOptions`]: the settings a page sends (a JSON object),
//!   checked field by field against the ranges the page offers; an [`OptionError`] names
//!   the field (`"epochs: must be a whole number from 1 to 200, got 0"`), so the page can
//!   show it next to that field.
//! - [`TrainingRun`]: one run stepped an epoch at a time, keeping every epoch's
//!   [`EpochReport`]; [`crate::ablation::run`] is this run driven to the end.
//! - [`Ablation`]: R rounds × the four configurations, stepped an epoch at a time, summarised
//!   by [`crate::ablation::summarize`] (Table I).
//!
//! Like the rest of the core this reads no clock: every step takes the caller's clock
//! (`performance.now()` in the browser, `Instant` natively) and the run adds up the time of
//! its epochs, so time spent between epochs (the worker yielding to its event loop) is not
//! counted as training.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ablation::{self, ConfigSummary, RunResult};
use crate::data::pairs::Sources;
use crate::model::{ModelConfig, TwinNet};
use crate::train::{EpochMetrics, Evaluation, TrainConfig, TrainError, Trainer};

/// A clock in milliseconds (any origin): the caller's, since the core reads none.
pub type ClockMs<'a> = &'a dyn Fn() -> f64;

/// Epochs a page may ask for.
pub const EPOCHS: (u64, u64) = (1, 200);
/// Pairs a page may ask for (also at most what the data gives).
pub const PAIRS: (u64, u64) = (10, 5000);
/// Ablation rounds a page may ask for.
pub const ROUNDS: (u64, u64) = (1, 32);
/// The largest seed: JavaScript numbers are exact integers up to 2^53 − 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// The smallest batch: BatchNorm cannot train on a single pair (see [`TrainConfig::validate`]).
pub const MIN_BATCH: u64 = 2;
/// The published seed of round 1 (`twinnet ablate --seed`'s default).
pub const DEFAULT_SEED: u64 = 1000;
/// The published number of pairs.
pub const DEFAULT_PAIRS: usize = 1000;

/// One setting that is not acceptable; the message starts with the field's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct OptionError {
    /// The option's key, as the page sends it (`epochs`, `lr`, …).
    pub field: String,
    /// What is wrong and what would do.
    pub problem: String,
}

impl OptionError {
    fn new(field: &str, problem: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Reads the fields of a settings object, each once, and refuses keys nobody read.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &str) -> Result<Self, OptionError> {
        match value {
            Value::Object(object) => Ok(Self {
                object,
                known: Vec::new(),
            }),
            other => Err(OptionError::new(
                what,
                format!("expected an object of settings, got {}", describe(other)),
            )),
        }
    }

    /// The value of `field`, `None` when absent or null (the default applies).
    fn get(&mut self, field: &'static str) -> Option<&'a Value> {
        self.known.push(field);
        self.object.get(field).filter(|v| !v.is_null())
    }

    fn boolean(&mut self, field: &'static str, default: bool) -> Result<bool, OptionError> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(OptionError::new(
                field,
                format!("must be true or false, got {}", describe(other)),
            )),
        }
    }

    /// A number; a string holding one is accepted too (a form field's value).
    fn number(&mut self, field: &'static str) -> Result<Option<f64>, OptionError> {
        let not_a_number =
            |v: &Value| OptionError::new(field, format!("must be a number, got {}", describe(v)));
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| OptionError::new(field, format!("must be a number, got {n}"))),
            Some(v @ Value::String(s)) => match s.trim().parse::<f64>() {
                Ok(x) if !s.trim().is_empty() => Ok(Some(x)),
                _ => Err(not_a_number(v)),
            },
            Some(other) => Err(not_a_number(other)),
        }
    }

    /// A whole number in `min..=max`.
    fn integer(
        &mut self,
        field: &'static str,
        (min, max): (u64, u64),
        default: u64,
    ) -> Result<u64, OptionError> {
        let Some(x) = self.number(field)? else {
            return Ok(default);
        };
        if x.fract() != 0.0 || x < min as f64 || x > max as f64 {
            return Err(OptionError::new(
                field,
                format!("must be a whole number from {min} to {max}, got {x}"),
            ));
        }
        Ok(x as u64)
    }

    /// Pairs: [`PAIRS`] and at most what the data gives.
    fn pairs(&mut self, max_pairs: usize) -> Result<usize, OptionError> {
        let pairs = self.integer("pairs", PAIRS, DEFAULT_PAIRS as u64)? as usize;
        if pairs > max_pairs {
            return Err(OptionError::new(
                "pairs",
                format!(
                    "the data gives at most {max_pairs} training and {max_pairs} test pairs \
                     (two distinct images per pair), got {pairs}"
                ),
            ));
        }
        Ok(pairs)
    }

    fn seed(&mut self) -> Result<u64, OptionError> {
        self.integer("seed", (0, MAX_SEED), DEFAULT_SEED)
    }

    /// Every key of the object must have been read: a misspelt option is an error, not a
    /// default silently used.
    fn finish(self) -> Result<(), OptionError> {
        let mut unknown: Vec<&String> = self
            .object
            .keys()
            .filter(|k| !self.known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(key) => Err(OptionError::new(
                key,
                format!(
                    "unknown setting; the settings are {}",
                    self.known.join(", ")
                ),
            )),
        }
    }
}

/// A short description of a JSON value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        other => other.to_string(),
    }
}

/// The settings of one training run, as the page's form gives them, checked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub share: bool,
    pub aux: bool,
    pub epochs: usize,
    pub pairs: usize,
    pub lr: f64,
    pub batch: usize,
    pub seed: u64,
}

impl TrainOptions {
    /// The published run: share+aux, 25 epochs, 1000 pairs, lr 0.01, batch 128, seed 1000.
    pub fn published() -> Self {
        let c = TrainConfig::published(ModelConfig::SHARE_AUX, DEFAULT_SEED);
        Self {
            share: c.model.share,
            aux: c.model.aux,
            epochs: c.epochs,
            pairs: DEFAULT_PAIRS,
            lr: c.learning_rate,
            batch: c.batch_size,
            seed: c.seed,
        }
    }

    /// Reads `{share, aux, epochs, pairs, lr, batch, seed}` (a missing or null field takes
    /// [`TrainOptions::published`]'s value) and checks each field: epochs 1–200, pairs
    /// 10–5000 and at most `max_pairs`, lr > 0 and ≤ 1, batch 2–pairs, seed a whole number
    /// ≥ 0. The first field that is wrong is the error.
    pub fn from_json(value: &Value, max_pairs: usize) -> Result<Self, OptionError> {
        let d = Self::published();
        let mut f = Fields::of(value, "options")?;
        let share = f.boolean("share", d.share)?;
        let aux = f.boolean("aux", d.aux)?;
        let epochs = f.integer("epochs", EPOCHS, d.epochs as u64)? as usize;
        let pairs = f.pairs(max_pairs)?;
        let lr = match f.number("lr")? {
            None => d.lr,
            Some(lr) if lr.is_finite() && lr > 0.0 && lr <= 1.0 => lr,
            Some(lr) => {
                return Err(OptionError::new(
                    "lr",
                    format!(
                    "must be a number above 0 and at most 1 (the published 0.01 works), got {lr}"
                ),
                ))
            }
        };
        // The default batch is the published 128, or all pairs when there are fewer.
        let batch = f.integer(
            "batch",
            (MIN_BATCH, pairs as u64),
            (d.batch as u64).min(pairs as u64),
        )? as usize;
        let seed = f.seed()?;
        f.finish()?;
        Ok(Self {
            share,
            aux,
            epochs,
            pairs,
            lr,
            batch,
            seed,
        })
    }

    pub fn model(&self) -> ModelConfig {
        ModelConfig {
            share: self.share,
            aux: self.aux,
        }
    }

    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            model: self.model(),
            epochs: self.epochs,
            learning_rate: self.lr,
            batch_size: self.batch,
            seed: self.seed,
        }
    }
}

/// The settings of an ablation: `rounds` × the four configurations, the published
/// protocol otherwise (lr 0.01, batch 128), round `r`'s seed [`ablation::round_seed`]`(seed, r)`
/// as in `twinnet ablate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AblationOptions {
    pub rounds: usize,
    pub epochs: usize,
    pub pairs: usize,
    pub seed: u64,
}

impl AblationOptions {
    /// Reads `{rounds, epochs?, pairs?, seed?}`: rounds 1–32 (required), epochs 1–200
    /// (default 25), pairs 10–5000 and at most `max_pairs` (default 1000), seed ≥ 0
    /// (default 1000).
    pub fn from_json(value: &Value, max_pairs: usize) -> Result<Self, OptionError> {
        let published = TrainOptions::published();
        let mut f = Fields::of(value, "options")?;
        if f.get("rounds").is_none() {
            return Err(OptionError::new(
                "rounds",
                format!("required: how many rounds, {} to {}", ROUNDS.0, ROUNDS.1),
            ));
        }
        let rounds = f.integer("rounds", ROUNDS, ROUNDS.0)? as usize;
        let epochs = f.integer("epochs", EPOCHS, published.epochs as u64)? as usize;
        let pairs = f.pairs(max_pairs)?;
        let seed = f.seed()?;
        f.finish()?;
        Ok(Self {
            rounds,
            epochs,
            pairs,
            seed,
        })
    }

    /// Runs in the ablation: four per round.
    pub fn runs(&self) -> usize {
        self.rounds * ModelConfig::ALL.len()
    }

    /// The configuration and training settings of run `index` (0-based): round after
    /// round, each in Table I's order, as `twinnet ablate` lists them.
    pub fn run_config(&self, index: usize) -> TrainConfig {
        let per_round = ModelConfig::ALL.len();
        let (round, config) = (index / per_round, ModelConfig::ALL[index % per_round]);
        TrainConfig {
            epochs: self.epochs,
            ..TrainConfig::published(config, ablation::round_seed(self.seed, round))
        }
    }
}

/// What the page shows after an epoch. Errors in %, losses as [`EpochMetrics`] has them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Epochs of the run.
    pub epochs: usize,
    pub train_loss: f32,
    pub test_loss: f32,
    pub test_error: f32,
    pub test_error_readout: f32,
    pub test_digit_error: f32,
    /// Training time of the run so far (its epochs, each training and test evaluation), ms.
    pub elapsed_ms: f64,
}

impl EpochReport {
    pub fn new(m: &EpochMetrics, epochs: usize, elapsed_ms: f64) -> Self {
        Self {
            epoch: m.epoch,
            epochs,
            train_loss: m.train_loss,
            test_loss: m.test.loss,
            test_error: m.test.error,
            test_error_readout: m.test.error_readout,
            test_digit_error: m.test.digit_error,
            elapsed_ms,
        }
    }
}

/// How a finished run does: eval mode on its training and test pairs after the last epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FinalMetrics {
    pub train_loss: f32,
    pub test_loss: f32,
    pub train_error: f32,
    pub test_error: f32,
    pub test_error_readout: f32,
    pub test_digit_error: f32,
}

impl FinalMetrics {
    pub fn new(train: &Evaluation, test: &Evaluation) -> Self {
        Self {
            train_loss: train.loss,
            test_loss: test.loss,
            train_error: train.error,
            test_error: test.error,
            test_error_readout: test.error_readout,
            test_digit_error: test.digit_error,
        }
    }
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
            elapsed_ms: r.seconds * 1e3,
        }
    }
}

/// What a finished (or stopped) run of the page's form reports: its settings, the final
/// evaluation, the training time and every epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingReport {
    pub options: TrainOptions,
    #[serde(rename = "final")]
    pub final_metrics: FinalMetrics,
    pub elapsed_ms: f64,
    pub epochs: Vec<EpochReport>,
}

impl TrainingReport {
    /// Evaluates `run`'s model on its training and test pairs (eval mode): call it once.
    pub fn of(options: TrainOptions, run: &TrainingRun) -> Result<Self, TrainError> {
        let result = run.result()?;
        Ok(Self {
            options,
            final_metrics: FinalMetrics::new(&result.train, &result.test),
            elapsed_ms: run.elapsed_ms(),
            epochs: run.reports().to_vec(),
        })
    }
}

/// One training run, stepped an epoch at a time by the caller.
pub struct TrainingRun {
    trainer: Trainer,
    reports: Vec<EpochReport>,
    metrics: Vec<EpochMetrics>,
    elapsed_ms: f64,
}

impl TrainingRun {
    /// Draws the run's train and test pairs from `sources` (seeded by `config.seed`, as
    /// [`crate::data::pairs::Sources::pairs`]) and makes the seeded model and optimizer.
    pub fn start(config: TrainConfig, sources: &Sources, pairs: usize) -> Result<Self, TrainError> {
        let (train, test) = sources
            .pairs(pairs, config.seed)
            .map_err(|e| TrainError::Config(e.to_string()))?;
        Ok(Self {
            trainer: Trainer::new(config, &train, &test)?,
            reports: Vec::with_capacity(config.epochs),
            metrics: Vec::with_capacity(config.epochs),
            elapsed_ms: 0.0,
        })
    }

    /// Trains and evaluates the next epoch, timed by `now_ms`. After an error (divergence)
    /// the run is over: its model is whatever the failing epoch left, not one to keep.
    pub fn step(&mut self, now_ms: ClockMs) -> Result<EpochReport, TrainError> {
        if self.is_finished() {
            return Err(TrainError::Finished(self.config().epochs));
        }
        let start = now_ms();
        let metrics = self.trainer.run_epoch();
        self.elapsed_ms += now_ms() - start;
        let metrics = metrics?;
        let report = EpochReport::new(&metrics, self.config().epochs, self.elapsed_ms);
        self.metrics.push(metrics);
        self.reports.push(report);
        Ok(report)
    }

    pub fn config(&self) -> &TrainConfig {
        self.trainer.config()
    }

    pub fn is_finished(&self) -> bool {
        self.trainer.is_finished()
    }

    pub fn epochs_done(&self) -> usize {
        self.trainer.epochs_done()
    }

    /// Every epoch's report so far.
    pub fn reports(&self) -> &[EpochReport] {
        &self.reports
    }

    /// Every epoch's metrics so far.
    pub fn metrics(&self) -> &[EpochMetrics] {
        &self.metrics
    }

    /// Training time of the epochs so far, ms.
    pub fn elapsed_ms(&self) -> f64 {
        self.elapsed_ms
    }

    /// The model as trained so far.
    pub fn model(&self) -> &TwinNet {
        self.trainer.model()
    }

    /// The run's figures as [`ablation::summarize`] takes them: evaluates the model on the
    /// training and test pairs (eval mode), so call it once, at the end.
    pub fn result(&self) -> Result<RunResult, TrainError> {
        Ok(RunResult {
            config: self.config().model,
            seed: self.config().seed,
            train: self.trainer.evaluate_train()?,
            test: self.trainer.evaluate_test()?,
            epochs: self.metrics.clone(),
            seconds: self.elapsed_ms / 1e3,
        })
    }

    pub fn into_model(self) -> TwinNet {
        self.trainer.into_model()
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
    /// The run's figures when this epoch was its last, else `None`.
    pub finished: Option<RunReport>,
}

/// The ablation stepped an epoch at a time: run after run in [`AblationOptions::run_config`]'s
/// order, each trained to the end, then summarised.
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
            results: Vec::with_capacity(options.runs()),
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
                self.options.run_config(index),
                &self.sources,
                self.options.pairs,
            )?),
        };
        let epoch = run.step(now_ms)?;
        let config = run.config().model.name();
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
            config,
            round: index / ModelConfig::ALL.len() + 1,
            run: index + 1,
            runs: self.options.runs(),
            epoch,
            finished,
        })
    }

    /// Every finished run.
    pub fn results(&self) -> &[RunResult] {
        &self.results
    }

    /// Table I over the runs finished so far (a configuration without any is left out).
    pub fn summary(&self) -> Vec<ConfigSummary> {
        ablation::summarize(&self.results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn train(value: Value) -> Result<TrainOptions, OptionError> {
        TrainOptions::from_json(&value, 2500)
    }

    fn train_err(value: Value) -> String {
        train(value).unwrap_err().to_string()
    }

    #[test]
    fn missing_fields_take_the_published_run() {
        assert_eq!(train(json!({})).unwrap(), TrainOptions::published());
        let nulls = json!({"share": null, "epochs": null, "seed": null});
        assert_eq!(train(nulls).unwrap(), TrainOptions::published());
        let p = TrainOptions::published().train_config();
        assert_eq!(p, TrainConfig::published(ModelConfig::SHARE_AUX, 1000));
    }

    #[test]
    fn every_field_is_read() {
        let o = train(
            json!({"share": false, "aux": true, "epochs": 3, "pairs": 40,
                             "lr": 0.5, "batch": "16", "seed": 7}),
        )
        .unwrap();
        assert_eq!(
            o,
            TrainOptions {
                share: false,
                aux: true,
                epochs: 3,
                pairs: 40,
                lr: 0.5,
                batch: 16,
                seed: 7
            }
        );
        assert_eq!(o.model().name(), "aux");
        let c = o.train_config();
        assert_eq!((c.epochs, c.batch_size, c.seed), (3, 16, 7));
        assert_eq!(c.learning_rate, 0.5);
    }

    #[test]
    fn bounds_are_inclusive() {
        let o =
            train(json!({"epochs": 200, "pairs": 10, "batch": 10, "lr": 1, "seed": 0})).unwrap();
        assert_eq!(
            (o.epochs, o.pairs, o.batch, o.lr, o.seed),
            (200, 10, 10, 1.0, 0)
        );
        let o = train(json!({"epochs": 1, "pairs": 2500, "batch": 2, "seed": MAX_SEED})).unwrap();
        assert_eq!((o.epochs, o.pairs, o.batch, o.seed), (1, 2500, 2, MAX_SEED));
        // Fewer pairs than the published batch: the default batch is all of them.
        assert_eq!(train(json!({"pairs": 50})).unwrap().batch, 50);
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(
            train_err(json!({"epochs": 0})),
            "epochs: must be a whole number from 1 to 200, got 0"
        );
        for (options, start) in [
            (
                json!({"epochs": 201}),
                "epochs: must be a whole number from 1 to 200, got 201",
            ),
            (json!({"epochs": 2.5}), "epochs: must be a whole number"),
            (
                json!({"epochs": "many"}),
                "epochs: must be a number, got \"many\"",
            ),
            (json!({"epochs": ""}), "epochs: must be a number"),
            (
                json!({"pairs": 9}),
                "pairs: must be a whole number from 10 to 5000",
            ),
            (
                json!({"pairs": 5001}),
                "pairs: must be a whole number from 10 to 5000",
            ),
            (json!({"pairs": 2501}), "pairs: the data gives at most 2500"),
            (
                json!({"lr": 0}),
                "lr: must be a number above 0 and at most 1",
            ),
            (json!({"lr": -0.1}), "lr: must be a number above 0"),
            (
                json!({"lr": 1.5}),
                "lr: must be a number above 0 and at most 1",
            ),
            (json!({"lr": "NaN"}), "lr: must be a number above 0"),
            (
                json!({"batch": 1}),
                "batch: must be a whole number from 2 to 1000, got 1",
            ),
            (
                json!({"pairs": 100, "batch": 101}),
                "batch: must be a whole number from 2 to 100",
            ),
            (
                json!({"seed": -1}),
                "seed: must be a whole number from 0 to",
            ),
            (json!({"seed": 1.5}), "seed: must be a whole number"),
            (
                json!({"share": "yes"}),
                "share: must be true or false, got \"yes\"",
            ),
            (json!({"aux": 1}), "aux: must be true or false, got 1"),
            (
                json!({"epoch": 3}),
                "epoch: unknown setting; the settings are share, aux, epochs",
            ),
            (
                json!([1, 2]),
                "options: expected an object of settings, got a list",
            ),
        ] {
            let message = train_err(options.clone());
            assert!(message.starts_with(start), "{options}: {message}");
        }
        let e = train(json!({"lr": 2})).unwrap_err();
        assert_eq!(e.field, "lr");
    }

    #[test]
    fn ablation_options() {
        let max = 2500;
        let o = AblationOptions::from_json(&json!({"rounds": 2}), max).unwrap();
        assert_eq!(
            o,
            AblationOptions {
                rounds: 2,
                epochs: 25,
                pairs: 1000,
                seed: 1000
            }
        );
        assert_eq!(o.runs(), 8);
        // Round after round, Table I's order within each; round seeds as `twinnet ablate`.
        let names: Vec<_> = (0..8).map(|i| o.run_config(i).model.name()).collect();
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
        assert_eq!(o.run_config(3).seed, ablation::round_seed(1000, 0));
        assert_eq!(o.run_config(4).seed, ablation::round_seed(1000, 1));
        assert_eq!(
            o.run_config(5),
            TrainConfig::published(ModelConfig::ALL[1], 1001)
        );
        let err = |v: Value| AblationOptions::from_json(&v, max).unwrap_err().to_string();
        assert!(err(json!({})).starts_with("rounds: required"));
        assert!(err(json!({"rounds": 33}))
            .starts_with("rounds: must be a whole number from 1 to 32, got 33"));
        assert!(err(json!({"rounds": 1, "epochs": 0})).starts_with("epochs:"));
        assert!(err(json!({"rounds": 1, "pairs": 4000}))
            .starts_with("pairs: the data gives at most 2500"));
        assert!(err(json!({"rounds": 1, "lr": 0.1})).starts_with("lr: unknown setting"));
    }

    #[test]
    fn reports_carry_the_metrics() {
        let test = Evaluation {
            loss: 0.5,
            error: 10.0,
            error_readout: 4.0,
            digit_error: 6.0,
        };
        let train = Evaluation {
            loss: 0.1,
            error: 2.0,
            error_readout: 1.0,
            digit_error: 1.5,
        };
        let m = EpochMetrics {
            epoch: 3,
            train_loss: 0.2,
            test,
        };
        let r = EpochReport::new(&m, 25, 1234.5);
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            json!({"epoch": 3, "epochs": 25, "train_loss": 0.2f32, "test_loss": 0.5, "test_error": 10.0,
                   "test_error_readout": 4.0, "test_digit_error": 6.0, "elapsed_ms": 1234.5})
        );
        let run = RunResult {
            config: ModelConfig::SHARE_AUX,
            seed: 1,
            train,
            test,
            epochs: vec![m],
            seconds: 2.5,
        };
        assert_eq!(
            serde_json::to_value(RunReport::from(&run)).unwrap(),
            json!({"train_loss": 0.1f32, "test_loss": 0.5, "train_error": 2.0, "test_error": 10.0,
                   "test_error_readout": 4.0, "test_digit_error": 6.0, "elapsed_ms": 2500.0})
        );
    }
}
