//! The settings of a training run and of an ablation: their fields, defaults (the
//! published protocol), limits and validation.
//!
//! - The published protocol (Adam lr 0.01, batch 128, 25 epochs, 1000 pairs, seed 1000,
//!   32 rounds) and the limits of every setting, written once: the CLI's defaults, the
//!   page's forms (which read them through the facade's `limits()`, see [`Limits`]) and the
//!   checks below all use these.
//! - [`TrainOptions`] and [`AblationOptions`]: the settings a page sends (a JSON object),
//!   checked field by field; an [`OptionError`] names the field (`"epochs: must be a whole
//!   number from 1 to 200, got 0"`), so the page can show it next to that field.
//!
//! Nothing here trains: `crate::train` turns checked options into a run.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::ModelConfig;

/// An inclusive range of whole numbers a setting may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub min: u64,
    pub max: u64,
}

/// The published number of epochs.
pub const PUBLISHED_EPOCHS: usize = 25;
/// The published learning rate (Adam).
pub const PUBLISHED_LR: f64 = 1e-2;
/// The published batch size.
pub const PUBLISHED_BATCH: usize = 128;
/// The published number of training pairs (and of test pairs).
pub const PUBLISHED_PAIRS: usize = 1000;
/// The published seed of round 1 (`twinnet ablate --seed`'s default; the page's too).
pub const PUBLISHED_SEED: u64 = 1000;
/// The published number of rounds per configuration (N in Table I).
pub const PUBLISHED_ROUNDS: usize = 32;

/// Epochs of a run, on the page and in the CLI: 8 × the published 25, far past where the
/// test error stops improving (Fig. 2), and a bound on how long a run can take.
pub const EPOCHS: Range = Range { min: 1, max: 200 };
/// Pairs a page may ask for (also at most what the data gives).
pub const PAIRS: Range = Range { min: 10, max: 5000 };
/// Ablation rounds, on the page and in the CLI: the publication's N = 32 at most (each
/// round is four runs; more rounds narrow the std bands little).
pub const ROUNDS: Range = Range { min: 1, max: 32 };
/// Training workers the page may run an ablation on at once. Each holds its own wasm
/// module, data and run: a worker's peak is about 27 MiB on the embedded digits
/// (docs/benchmarks.md), so 8 stay near 220 MiB, what a phone can give a tab. The page
/// offers what the browser reports (`navigator.hardwareConcurrency`) up to this.
pub const WORKERS: Range = Range { min: 1, max: 8 };
/// Seeds: JavaScript numbers are exact integers up to 2^53 − 1.
pub const SEED: Range = Range {
    min: 0,
    max: (1 << 53) - 1,
};
/// The smallest batch: BatchNorm cannot train on a single pair.
pub const MIN_BATCH: u64 = 2;
/// The largest learning rate a page may ask for (it must be above 0).
pub const MAX_LR: f64 = 1.0;

/// Every limit and default the page's forms need, in one value (the facade's `limits()`):
/// the page sets its fields' ranges and first values from it and restates none of them.
/// The pairs' maximum is also bounded by the data, which the page learns when it has it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    pub epochs: Range,
    pub pairs: Range,
    pub rounds: Range,
    pub workers: Range,
    pub seed: Range,
    pub min_batch: u64,
    pub max_lr: f64,
    /// The published run, every field filled in.
    pub defaults: TrainOptions,
}

impl Limits {
    pub const PAGE: Limits = Limits {
        epochs: EPOCHS,
        pairs: PAIRS,
        rounds: ROUNDS,
        workers: WORKERS,
        seed: SEED,
        min_batch: MIN_BATCH,
        max_lr: MAX_LR,
        defaults: TrainOptions::PUBLISHED,
    };
}

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

    /// A whole number in `range`.
    fn integer(
        &mut self,
        field: &'static str,
        range: Range,
        default: u64,
    ) -> Result<u64, OptionError> {
        let Range { min, max } = range;
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
        let pairs = self.integer("pairs", PAIRS, PUBLISHED_PAIRS as u64)? as usize;
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
        self.integer("seed", SEED, PUBLISHED_SEED)
    }

    /// The learning rate: above 0, at most [`MAX_LR`].
    fn lr(&mut self, default: f64) -> Result<f64, OptionError> {
        match self.number("lr")? {
            None => Ok(default),
            Some(lr) if lr.is_finite() && lr > 0.0 && lr <= MAX_LR => Ok(lr),
            Some(lr) => Err(OptionError::new(
                "lr",
                format!(
                    "must be a number above 0 and at most {MAX_LR} (the published {PUBLISHED_LR} works), got {lr}"
                ),
            )),
        }
    }

    /// The batch: [`MIN_BATCH`] to all `pairs`; by default the published one, or all
    /// pairs when there are fewer.
    fn batch(&mut self, pairs: usize) -> Result<usize, OptionError> {
        let range = Range {
            min: MIN_BATCH,
            max: pairs as u64,
        };
        let default = (PUBLISHED_BATCH as u64).min(pairs as u64);
        Ok(self.integer("batch", range, default)? as usize)
    }

    /// The settings every run has, each defaulting to the published protocol's.
    fn run(&mut self, max_pairs: usize) -> Result<RunFields, OptionError> {
        let epochs = self.integer("epochs", EPOCHS, PUBLISHED_EPOCHS as u64)? as usize;
        let pairs = self.pairs(max_pairs)?;
        Ok(RunFields {
            epochs,
            pairs,
            lr: self.lr(PUBLISHED_LR)?,
            batch: self.batch(pairs)?,
            seed: self.seed()?,
        })
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

/// The settings a training run and an ablation share, as [`Fields::run`] reads them.
struct RunFields {
    epochs: usize,
    pairs: usize,
    lr: f64,
    batch: usize,
    seed: u64,
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
    pub const PUBLISHED: TrainOptions = TrainOptions {
        share: ModelConfig::SHARE_AUX.share,
        aux: ModelConfig::SHARE_AUX.aux,
        epochs: PUBLISHED_EPOCHS,
        pairs: PUBLISHED_PAIRS,
        lr: PUBLISHED_LR,
        batch: PUBLISHED_BATCH,
        seed: PUBLISHED_SEED,
    };

    /// Reads `{share, aux, epochs, pairs, lr, batch, seed}` (a missing or null field takes
    /// [`TrainOptions::PUBLISHED`]'s value) and checks each field: epochs [`EPOCHS`], pairs
    /// [`PAIRS`] and at most `max_pairs`, lr above 0 and at most [`MAX_LR`], batch
    /// [`MIN_BATCH`]–pairs, seed [`SEED`]. The first field that is wrong is the error.
    pub fn from_json(value: &Value, max_pairs: usize) -> Result<Self, OptionError> {
        let d = Self::PUBLISHED;
        let mut f = Fields::of(value, "options")?;
        let share = f.boolean("share", d.share)?;
        let aux = f.boolean("aux", d.aux)?;
        let run = f.run(max_pairs)?;
        f.finish()?;
        Ok(Self {
            share,
            aux,
            epochs: run.epochs,
            pairs: run.pairs,
            lr: run.lr,
            batch: run.batch,
            seed: run.seed,
        })
    }

    pub fn model(&self) -> ModelConfig {
        ModelConfig {
            share: self.share,
            aux: self.aux,
        }
    }
}

/// The settings of an ablation: `rounds` × the four configurations, each run trained with
/// `epochs`, `lr` and `batch` on `pairs` pairs; round `r`'s seed is `seed + r` (see
/// `crate::ablation`). The CLI's `twinnet ablate` and the page's ablation both make one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AblationOptions {
    pub rounds: usize,
    pub epochs: usize,
    pub pairs: usize,
    pub lr: f64,
    pub batch: usize,
    pub seed: u64,
}

impl AblationOptions {
    /// The published ablation: 32 rounds of the published run.
    pub const PUBLISHED: AblationOptions = AblationOptions {
        rounds: PUBLISHED_ROUNDS,
        epochs: PUBLISHED_EPOCHS,
        pairs: PUBLISHED_PAIRS,
        lr: PUBLISHED_LR,
        batch: PUBLISHED_BATCH,
        seed: PUBLISHED_SEED,
    };

    /// Reads `{rounds, epochs?, pairs?, lr?, batch?, seed?}`: rounds [`ROUNDS`] (required),
    /// the others as [`TrainOptions::from_json`] checks them, defaulting to the published
    /// protocol.
    pub fn from_json(value: &Value, max_pairs: usize) -> Result<Self, OptionError> {
        let mut f = Fields::of(value, "options")?;
        if f.get("rounds").is_none() {
            return Err(OptionError::new(
                "rounds",
                format!(
                    "required: how many rounds, {} to {}",
                    ROUNDS.min, ROUNDS.max
                ),
            ));
        }
        let rounds = f.integer("rounds", ROUNDS, ROUNDS.min)? as usize;
        let run = f.run(max_pairs)?;
        f.finish()?;
        Ok(Self {
            rounds,
            epochs: run.epochs,
            pairs: run.pairs,
            lr: run.lr,
            batch: run.batch,
            seed: run.seed,
        })
    }

    /// Runs in the ablation: one per configuration per round.
    pub fn runs(&self) -> usize {
        self.rounds * ModelConfig::ALL.len()
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
        assert_eq!(train(json!({})).unwrap(), TrainOptions::PUBLISHED);
        let nulls = json!({"share": null, "epochs": null, "seed": null});
        assert_eq!(train(nulls).unwrap(), TrainOptions::PUBLISHED);
        let p = TrainOptions::PUBLISHED;
        assert_eq!(
            (p.model(), p.epochs, p.pairs, p.lr, p.batch, p.seed),
            (ModelConfig::SHARE_AUX, 25, 1000, 0.01, 128, 1000)
        );
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
    }

    #[test]
    fn bounds_are_inclusive() {
        let o =
            train(json!({"epochs": 200, "pairs": 10, "batch": 10, "lr": 1, "seed": 0})).unwrap();
        assert_eq!(
            (o.epochs, o.pairs, o.batch, o.lr, o.seed),
            (200, 10, 10, 1.0, 0)
        );
        let o = train(json!({"epochs": 1, "pairs": 2500, "batch": 2, "seed": SEED.max})).unwrap();
        assert_eq!((o.epochs, o.pairs, o.batch, o.seed), (1, 2500, 2, SEED.max));
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
                ..AblationOptions::PUBLISHED
            }
        );
        assert_eq!(o.runs(), 8);
        let o = AblationOptions::from_json(&json!({"rounds": 1, "pairs": 50, "lr": 0.1}), max);
        assert_eq!(
            o.map(|o| (o.pairs, o.batch, o.lr)),
            Ok((50, 50, 0.1)),
            "the batch defaults to all pairs when they are fewer than the published 128"
        );
        let err = |v: Value| AblationOptions::from_json(&v, max).unwrap_err().to_string();
        assert!(err(json!({})).starts_with("rounds: required"));
        assert!(err(json!({"rounds": 33}))
            .starts_with("rounds: must be a whole number from 1 to 32, got 33"));
        assert!(err(json!({"rounds": 1, "epochs": 0})).starts_with("epochs:"));
        assert!(err(json!({"rounds": 1, "pairs": 4000}))
            .starts_with("pairs: the data gives at most 2500"));
        assert!(err(json!({"rounds": 1, "lr": 2})).starts_with("lr: must be a number above 0"));
        assert!(err(json!({"rounds": 1, "round": 2})).starts_with("round: unknown setting"));
    }

    #[test]
    fn the_page_reads_every_limit_and_default() {
        let limits = serde_json::to_value(Limits::PAGE).unwrap();
        assert_eq!(
            limits,
            json!({
                "epochs": {"min": 1, "max": 200}, "pairs": {"min": 10, "max": 5000},
                "rounds": {"min": 1, "max": 32}, "workers": {"min": 1, "max": 8},
                "seed": {"min": 0, "max": 9007199254740991u64},
                "min_batch": 2, "max_lr": 1.0,
                "defaults": {"share": true, "aux": true, "epochs": 25, "pairs": 1000,
                             "lr": 0.01, "batch": 128, "seed": 1000}
            })
        );
    }
}
