//! The trainer module's half of the browser facade (feature `training`): the digits to
//! train on, one training run, an ablation's runs and Table I. The page's drawing module
//! (the predictor, built without the feature) has none of it; see the parent module.

use std::sync::Arc;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{now_ms, to_js, ModelInfo, WebError};
use crate::ablation;
use crate::data::pairs::{Sources, DEFAULT_SPLIT_SEED};
use crate::data::{digits_file, standard_set};
use crate::options::{AblationOptions, TrainOptions};
use crate::plot;
use crate::report::{self, Report};
use crate::stats::median;
use crate::train::{TrainConfig, TrainingReport, TrainingRun};
use crate::weights;

/// A settings object from JavaScript as JSON for the core to check. A number that JSON
/// cannot hold (`NaN` from `Number("abc")`, `Infinity`) becomes its name as a string, so
/// the core refuses it by field name instead of it turning into `null` (the default).
fn settings_json(options: &JsValue) -> serde_json::Value {
    let json = |v: &JsValue| -> serde_json::Value {
        match v.as_f64() {
            Some(x) if !x.is_finite() => serde_json::Value::String(format!("{x}")),
            // Anything serde cannot read (a function, a symbol) is described as a string.
            _ => serde_wasm_bindgen::from_value(v.clone())
                .unwrap_or_else(|_| serde_json::Value::String(format!("{v:?}"))),
        }
    };
    if !options.is_object() || js_sys::Array::is_array(options) {
        return json(options);
    }
    let object: &js_sys::Object = options.unchecked_ref();
    let fields = js_sys::Object::entries(object)
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            Some((entry.get(0).as_string()?, json(&entry.get(1))))
        })
        .collect();
    serde_json::Value::Object(fields)
}

/// The digits to train on: a TwinNet digits file, split into two disjoint halves (train
/// and test images) by the CLI's seeded split, so a run here draws the CLI's pairs.
#[wasm_bindgen]
pub struct TrainingData {
    sources: Arc<Sources>,
}

#[wasm_bindgen]
impl TrainingData {
    /// The digits of a TwinNet digits file (gzip or not); `name` (e.g. its URL) is what
    /// an error message calls it. Throws an `Error` saying what is wrong with the file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], name: Option<String>) -> Result<TrainingData, JsError> {
        let name = name.as_deref().unwrap_or("the digits file");
        let all = digits_file::decode(name, bytes)?;
        Ok(Self {
            sources: Arc::new(Sources::split_halves(&all, DEFAULT_SPLIT_SEED)),
        })
    }

    /// The standard MNIST set from its four idx files (`train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, raw or
    /// gzip), `files[i]` named `names[i]`, in any order: recognised by content, checked as
    /// `twinnet --mnist` checks them (`crate::data::standard_set`); training pairs come from
    /// the larger set, test pairs from the other. Throws an `Error` with the loader's message.
    #[wasm_bindgen(js_name = fromMnist)]
    pub fn from_mnist(
        names: Vec<String>,
        files: Vec<js_sys::Uint8Array>,
    ) -> Result<TrainingData, JsError> {
        let bytes: Vec<Vec<u8>> = files.iter().map(js_sys::Uint8Array::to_vec).collect();
        let named: Vec<(&str, &[u8])> = names
            .iter()
            .map(String::as_str)
            .chain(std::iter::repeat("an unnamed file"))
            .zip(bytes.iter().map(Vec::as_slice))
            .collect();
        let sources = standard_set::read(&named)?;
        Ok(Self {
            sources: Arc::new(sources),
        })
    }

    /// Images in the file.
    pub fn images(&self) -> usize {
        self.sources.train.len() + self.sources.test.len()
    }

    /// Images the training pairs are drawn from.
    #[wasm_bindgen(js_name = trainImages)]
    pub fn train_images(&self) -> usize {
        self.sources.train.len()
    }

    /// Images the test pairs are drawn from.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self) -> usize {
        self.sources.test.len()
    }

    /// The most pairs a run can draw: each half gives 2 distinct images per pair.
    #[wasm_bindgen(js_name = maxPairs)]
    pub fn max_pairs(&self) -> usize {
        self.sources.max_pairs()
    }
}

/// One run of the page's training form (`crate::train::TrainingRun`).
#[wasm_bindgen]
pub struct Training {
    options: TrainOptions,
    run: TrainingRun,
}

#[wasm_bindgen]
impl Training {
    /// Checks `options` = `{share, aux, epochs, pairs, lr, batch, seed}` (a missing field
    /// takes the published run's value; the ranges are [`limits`]'s), draws the run's pairs
    /// from `data` and makes the seeded model. A bad setting throws an `Error` whose
    /// message starts with the field's name: `"epochs: must be …, got 0"`.
    #[wasm_bindgen(constructor)]
    pub fn new(data: &TrainingData, options: JsValue) -> Result<Training, JsError> {
        let options = TrainOptions::from_json(&settings_json(&options), data.max_pairs())?;
        let run = TrainingRun::start(TrainConfig::of(&options), &data.sources, options.pairs)?;
        Ok(Self { options, run })
    }

    /// Trains and evaluates the next epoch; returns `{epoch, epochs, train_loss, test_loss,
    /// test_error, test_error_readout, test_digit_error, elapsed_ms}` (errors in %,
    /// `elapsed_ms` the run's training time so far by this worker's `performance.now()`).
    /// Divergence throws the core's message ("training diverged in epoch …: try a smaller
    /// learning rate …"), and so does a call after the last epoch.
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.run.step(&now_ms)?)
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.run.is_finished()
    }

    #[wasm_bindgen(js_name = epochsDone)]
    pub fn epochs_done(&self) -> usize {
        self.run.epochs_done()
    }

    /// The checked settings, every field filled in.
    pub fn options(&self) -> Result<JsValue, JsError> {
        to_js(&self.options)
    }

    /// The model as trained so far, as `Model.info()` describes a model.
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&ModelInfo::of(self.run.model()))
    }

    /// The model as trained so far: a safetensors file (PyTorch's names) that
    /// `new Model(bytes)` and PyTorch load.
    pub fn weights(&self) -> Result<Vec<u8>, JsError> {
        Ok(weights::to_safetensors(self.run.model())?)
    }

    /// `{options, final: {train_loss, test_loss, train_error, test_error,
    /// test_error_readout, test_digit_error}, elapsed_ms, epochs: [EpochReport]}`.
    /// Evaluates the model on the run's training and test pairs, so call it once, at the end.
    pub fn report(&self) -> Result<JsValue, JsError> {
        let report = TrainingReport::of(self.options, &self.run)?;
        to_js(&report)
    }

    /// The benchmark of the per-epoch test evaluation on its own: `repeats` evaluations of
    /// the model as trained so far on the run's test pairs; the median in ms.
    #[wasm_bindgen(js_name = benchmarkEvaluateTest)]
    pub fn benchmark_evaluate_test(&self, repeats: usize) -> Result<f64, JsError> {
        let mut times = Vec::new();
        for _ in 0..repeats.max(1) {
            let start = now_ms();
            self.run.evaluate_test()?;
            times.push(now_ms() - start);
        }
        Ok(median(&mut times))
    }
}

/// Run `index` of an ablation's plan (`crate::ablation::PlannedRun`): what one of the
/// page's training workers trains, a `step` per epoch, while others train other runs.
#[wasm_bindgen]
pub struct AblationRun {
    run: ablation::PlannedRun,
}

#[wasm_bindgen]
impl AblationRun {
    /// Checks `options` = `{rounds, epochs?, pairs?, lr?, batch?, seed?}` (the ranges are
    /// [`limits`]'s, the defaults the published protocol's) and starts run `index` (0-based)
    /// of their plan: round `index / 4` with seed `seed + round`, configuration `index % 4`
    /// in Table I's order, as in `twinnet ablate`. A bad setting throws an `Error` whose
    /// message starts with the field's name; an index outside the plan says the plan's range.
    #[wasm_bindgen(constructor)]
    pub fn new(
        data: &TrainingData,
        options: JsValue,
        index: usize,
    ) -> Result<AblationRun, JsError> {
        let options = AblationOptions::from_json(&settings_json(&options), data.max_pairs())?;
        let run = ablation::PlannedRun::start(&options, &data.sources, index)?;
        Ok(Self { run })
    }

    /// Trains and evaluates the next epoch; returns an `EpochReport` as `Training.step`
    /// does. Divergence throws the core's message, and so does a call after the last epoch.
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.run.step(&now_ms)?)
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.run.is_finished()
    }

    #[wasm_bindgen(js_name = epochsDone)]
    pub fn epochs_done(&self) -> usize {
        self.run.epochs_done()
    }

    /// The run's index in the plan (0-based).
    pub fn index(&self) -> usize {
        self.run.index()
    }

    /// The run's round (1-based).
    pub fn round(&self) -> usize {
        self.run.round()
    }

    /// The configuration's name: `none`, `share`, `aux` or `share+aux`.
    pub fn config(&self) -> String {
        self.run.config().model.name().to_string()
    }

    /// `{index, result: {config, seed, train, test, epochs: [EpochMetrics], elapsed_ms}}`
    /// (`crate::ablation::FinishedRun`), what `AblationResults.insert` takes. Evaluates the
    /// model on the run's training pairs, so call it once, at the end.
    pub fn finish(&self) -> Result<JsValue, JsError> {
        to_js(&self.run.finish()?)
    }
}

/// The finished runs of one ablation (`crate::ablation::Results`), recorded in any order;
/// Table I over them, in the plan's order, so it is the same whichever worker finished first.
#[wasm_bindgen]
pub struct AblationResults {
    results: ablation::Results,
}

#[wasm_bindgen]
impl AblationResults {
    /// No runs yet of the ablation `options` (checked as `AblationRun` checks them).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &TrainingData, options: JsValue) -> Result<AblationResults, JsError> {
        let options = AblationOptions::from_json(&settings_json(&options), data.max_pairs())?;
        Ok(Self {
            results: ablation::Results::new(options),
        })
    }

    /// Records a run as `AblationRun.finish` returned it; throws if it is not a run of this
    /// plan (index, configuration, seed, epochs), was recorded already, or is not one at all.
    pub fn insert(&mut self, run: JsValue) -> Result<(), JsError> {
        // The epoch list is the one count in a run: bounded before it is read.
        let epochs = js_sys::Reflect::get(&run, &"result".into())
            .and_then(|result| js_sys::Reflect::get(&result, &"epochs".into()))
            .ok()
            .and_then(|epochs| epochs.dyn_into::<js_sys::Array>().ok())
            .map_or(0, |epochs| epochs.length() as usize);
        let max = self.results.options().epochs;
        if epochs > max {
            return Err(
                WebError::NotARun(format!("it has {epochs} epochs, the plan {max}")).into(),
            );
        }
        let run: ablation::FinishedRun =
            serde_wasm_bindgen::from_value(run).map_err(|e| WebError::NotARun(e.to_string()))?;
        Ok(self.results.insert(run)?)
    }

    #[wasm_bindgen(js_name = runsDone)]
    pub fn runs_done(&self) -> usize {
        self.results.runs_done()
    }

    /// Runs in the plan: 4 × rounds.
    pub fn runs(&self) -> usize {
        self.results.options().runs()
    }

    #[wasm_bindgen(js_name = isComplete)]
    pub fn is_complete(&self) -> bool {
        self.results.is_complete()
    }

    /// The checked settings, every field filled in.
    pub fn options(&self) -> Result<JsValue, JsError> {
        to_js(self.results.options())
    }

    /// Table I over the recorded runs: `[{name, share, aux, rounds, train_loss: {mean, std},
    /// test_loss, train_error, test_error, test_error_readout, test_digit_error,
    /// elapsed_ms, curves: {train_loss: [{mean, std}, …], test_loss, test_error,
    /// test_error_readout}}]` for `none`, `share`, `aux`, `share+aux` (those with a
    /// recorded run).
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.results.summary())
    }

    /// Table I to take away, as `twinnet ablate` writes it: `{json, csv, svg}`, the JSON
    /// report (`--json`'s keys; `jobs` the workers that ran it), the CSV (`--csv`) and
    /// Fig. 2 (`--plot`), over the recorded runs.
    pub fn files(&self, jobs: usize) -> Result<JsValue, JsError> {
        let rows = self.results.summary();
        let json = Report::new(self.results.options(), jobs, &rows)
            .json()
            .map_err(|e| WebError::Serialize(e.to_string()))?;
        to_js(&AblationFiles {
            json,
            csv: report::csv(&rows),
            svg: plot::curves_svg(&rows),
        })
    }
}

/// An ablation's files, as `AblationResults.files` gives them.
#[derive(Debug, Clone, Serialize)]
pub struct AblationFiles {
    pub json: String,
    pub csv: String,
    pub svg: String,
}
