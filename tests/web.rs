//! The browser facade (`src/web.rs`) in a real browser, as both of the page's modules:
//! the predictor (`wasm-pack test --headless --chrome --release -- --no-default-features
//! --test web`) and the trainer (the same with `--features training`). It predicts on
//! drawings made on the page and matches the native result; the trainer also trains and
//! runs the ablation on a small digits file made here (seven-segment digits,
//! `tests/common`), the trained weights load back and its conv kernels match candle's
//! ops; bad input of every kind is an `Error`, never a panic.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "training")]
mod common;
mod web_fixture;

use twinnet::evidence::{self, Evidence};
use twinnet::predict::{self, Prediction};
use twinnet::preprocess::{self, PixelFormat};
use twinnet::web::{limits, take_panic_message, Drawings, Model};
use twinnet::weights;
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::*;
use web_fixture::*;

wasm_bindgen_test_configure!(run_in_browser);

fn model() -> Model {
    Model::new(WEIGHTS).unwrap_or_else(|e| panic!("fixture weights: {}", message(e)))
}

/// The message of the `Error` JavaScript would catch.
fn message(error: JsError) -> String {
    JsValue::from(error)
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("not an Error: {v:?}"))
}

fn load_error(bytes: &[u8]) -> String {
    match Model::new(bytes) {
        Ok(_) => panic!("{} bytes of bad weights loaded", bytes.len()),
        Err(e) => message(e),
    }
}

/// A prediction on two drawings, as the worker makes it: both set, then predicted.
fn predict(model: &Model, a: &[u8], b: &[u8], format: &str) -> Result<Prediction, String> {
    let mut drawings = Drawings::new();
    drawings.set("a", a, format).map_err(message)?;
    drawings.set("b", b, format).map_err(message)?;
    let value = model.predict(&drawings).map_err(message)?;
    Ok(serde_wasm_bindgen::from_value(value).expect("a Prediction"))
}

/// The alpha channel of RGBA bytes.
fn alpha(rgba: &[u8]) -> Vec<u8> {
    rgba.iter().skip(3).step_by(4).copied().collect()
}

#[wasm_bindgen_test]
fn predicts_like_native() {
    let (three, eight) = drawings();
    let p = predict(&model(), &three, &eight, "rgba").unwrap();
    assert_prediction_close(&p, &expected());
    assert_eq!(p.a.as_ref().map(|v| v.argmax), Some(3));
    assert_eq!(p.b.as_ref().map(|v| v.argmax), Some(8));
    assert!(p.verdict.is_some_and(|v| v.le));
}

#[wasm_bindgen_test]
fn alpha_pixels_predict_like_rgba() {
    let (three, eight) = drawings();
    let p = predict(&model(), &alpha(&three), &alpha(&eight), "alpha").unwrap();
    assert_prediction_close(&p, &expected());
}

#[wasm_bindgen_test]
fn drawings_of_different_sizes() {
    // A small alpha-only second drawing: the 8's 14×14 input, enlarged 4× to 56×56.
    let (three, eight) = drawings();
    let reference = predict(&model(), &three, &eight, "rgba").unwrap();
    let input = reference.b.as_ref().unwrap().input.clone();
    let small: Vec<u8> = (0..56 * 56)
        .map(|i| (input[(i / 56 / 4) * 14 + (i % 56) / 4] * 255.0).round() as u8)
        .collect();
    let p = predict(&model(), &alpha(&three), &small, "alpha").unwrap();
    assert_eq!(p.b.as_ref().map(|v| v.argmax), Some(8));
}

#[wasm_bindgen_test]
fn blank_drawings_have_no_verdict() {
    let (three, _) = drawings();
    let empty = vec![0u8; three.len()];
    let p = predict(&model(), &three, &empty, "rgba").unwrap();
    assert!(p.verdict.is_none() && !p.blank_a && p.blank_b && p.b.is_none());
    assert_eq!(p.a.as_ref().map(|v| v.argmax), Some(3));
    let p = predict(&model(), &empty, &empty, "rgba").unwrap();
    assert!(p.verdict.is_none() && p.a.is_none() && p.b.is_none() && p.blank_a && p.blank_b);
}

fn predict_kept(model: &Model, drawings: &Drawings) -> Prediction {
    let value = model.predict(drawings).map_err(message).unwrap();
    serde_wasm_bindgen::from_value(value).expect("a Prediction")
}

/// The worker keeps the drawings and is sent only the one that changed: predictions on
/// kept drawings are the same as on the pair; a side not sent stays as it was.
#[wasm_bindgen_test]
fn kept_drawings_predict_like_the_pair() {
    let (three, eight) = drawings();
    let model = model();
    let mut kept = Drawings::new();
    let p = predict_kept(&model, &kept);
    assert!(
        p.verdict.is_none() && p.blank_a && p.blank_b,
        "new drawings are blank"
    );

    kept.set("a", &three, "rgba").map_err(message).unwrap();
    kept.set("b", &eight, "rgba").map_err(message).unwrap();
    assert_eq!(
        predict_kept(&model, &kept),
        predict(&model, &three, &eight, "rgba").unwrap()
    );
    assert_prediction_close(&predict_kept(&model, &kept), &expected());

    kept.set("a", &alpha(&eight), "alpha")
        .map_err(message)
        .unwrap();
    let both_eights = predict(&model, &eight, &eight, "rgba").unwrap();
    assert_eq!(predict_kept(&model, &kept), both_eights);

    // Errors name the problem and leave the drawings as they were.
    let e = message(kept.set("c", &three, "rgba").unwrap_err());
    assert!(e.contains("unknown drawing \"c\""), "{e}");
    let e = message(kept.set("b", &three[..404], "rgba").unwrap_err());
    assert!(
        e.contains("second drawing") && e.contains("not a square"),
        "{e}"
    );
    assert!(kept.set("b", &three, "bgr").is_err());
    assert_eq!(predict_kept(&model, &kept), both_eights);

    kept.set("b", &vec![0u8; eight.len()], "rgba")
        .map_err(message)
        .unwrap();
    let p = predict_kept(&model, &kept);
    assert!(
        p.verdict.is_none() && !p.blank_a && p.blank_b,
        "a cleared drawing is blank"
    );
}

/// The evidence maps through the facade are the core's for the same drawings, and a blank
/// side has none.
#[wasm_bindgen_test]
fn evidence_maps_are_the_cores() {
    let (three, eight) = drawings();
    let model = model();
    let mut kept = Drawings::new();
    kept.set("a", &three, "rgba").map_err(message).unwrap();
    kept.set("b", &eight, "rgba").map_err(message).unwrap();
    let maps: Evidence =
        serde_wasm_bindgen::from_value(model.evidence(&kept).map_err(message).unwrap())
            .expect("an Evidence");
    let net = weights::from_safetensors(WEIGHTS).unwrap();
    let input = |rgba: &[u8]| {
        preprocess::network_input(rgba, PixelFormat::Rgba)
            .unwrap()
            .unwrap()
    };
    let core = evidence::evidence(&net, Some(&input(&three)), Some(&input(&eight))).unwrap();
    assert_eq!(maps, core);
    let a = maps.a.unwrap();
    assert_eq!(a.verdict.as_ref().map(Vec::len), Some(196));
    assert!(a.verdict.unwrap().iter().any(|&v| v != 0.0));

    kept.set("b", &vec![0u8; eight.len()], "rgba")
        .map_err(message)
        .unwrap();
    let maps: Evidence =
        serde_wasm_bindgen::from_value(model.evidence(&kept).map_err(message).unwrap())
            .expect("an Evidence");
    assert!(maps.b.is_none(), "a blank side has no map");
    assert!(
        maps.a.unwrap().verdict.is_none(),
        "no verdict, no verdict map"
    );
}

#[wasm_bindgen_test]
fn model_info() {
    let info = model().info().map_err(message).unwrap();
    let get = |key: &str| js_sys::Reflect::get(&info, &key.into()).unwrap();
    assert_eq!(get("name").as_string().as_deref(), Some("share+aux"));
    assert_eq!(get("share").as_bool(), Some(true));
    assert_eq!(get("aux").as_bool(), Some(true));
    assert_eq!(get("parameters").as_f64(), Some(9_574.0));
}

#[wasm_bindgen_test]
fn bad_weights_are_errors() {
    assert!(
        load_error(b"").contains("not a TwinNet weights file"),
        "{}",
        load_error(b"")
    );
    let garbage = load_error(b"these are not weights at all");
    assert!(garbage.contains("not a TwinNet weights file"), "{garbage}");
    let truncated = load_error(&WEIGHTS[..WEIGHTS.len() / 2]);
    assert!(
        truncated.contains("not a TwinNet weights file"),
        "{truncated}"
    );
    // A valid safetensors file that is not a TwinNet: the loader lists the problems.
    let golden = load_error(include_bytes!(
        "fixtures/pytorch/golden_share_aux.safetensors"
    ));
    assert!(golden.starts_with("weights"), "{golden}");
    assert_eq!(take_panic_message(), None, "nothing panicked");
}

#[wasm_bindgen_test]
fn bad_pixels_are_errors() {
    let model = model();
    let (three, eight) = drawings();
    let err = predict(&model, &three[..three.len() - 4], &eight, "rgba").unwrap_err();
    assert!(
        err.contains("first drawing") && err.contains("not a square rgba image"),
        "{err}"
    );
    let err = predict(&model, &three, &[], "rgba").unwrap_err();
    assert!(err.contains("second drawing"), "{err}");
    let err = predict(&model, &three, &eight, "bgr").unwrap_err();
    assert!(err.contains("unknown pixel format \"bgr\""), "{err}");
    assert_eq!(take_panic_message(), None, "nothing panicked");
}

#[wasm_bindgen_test]
fn limits_are_the_cores() {
    let limits = json(limits().map_err(message).unwrap());
    // Through JS as well: a JS number has no float kind, so max_lr 1.0 comes back as 1.
    let core = serde_json::to_value(twinnet::options::Limits::PAGE).unwrap();
    assert_eq!(limits, json(js(core)));
    assert_eq!(limits["epochs"]["max"], 200);
    assert_eq!(limits["defaults"]["batch"], 128);
}

/// A JS object from JSON, as the worker passes settings.
fn js(value: serde_json::Value) -> JsValue {
    use serde::Serialize;
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("JSON becomes a JS value")
}

/// A JS value as JSON, as the worker would post it.
fn json(value: JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(value).expect("a plain JS value")
}

/// The trainer module's half of the facade (feature `training`).
#[cfg(feature = "training")]
mod training {
    use super::*;
    use twinnet::data::digits_file;
    use twinnet::data::pairs::{Sources, DEFAULT_SPLIT_SEED};
    use twinnet::options::TrainOptions;
    use twinnet::train::{EpochReport, TrainConfig, TrainingRun};
    use twinnet::web::{memory_bytes, AblationResults, AblationRun, Training, TrainingData};

    /// 400 seven-segment digits as a TwinNet digits file: halves of 200, at most 100 pairs.
    fn synthetic_file() -> Vec<u8> {
        digits_file::encode(&common::synthetic_digits(400, 11))
    }

    fn data() -> TrainingData {
        TrainingData::new(&synthetic_file(), Some("synthetic.bin".into()))
            .unwrap_or_else(|e| panic!("synthetic digits: {}", message(e)))
    }

    /// Two epochs on 50 pairs.
    fn small_options(seed: u64) -> serde_json::Value {
        serde_json::json!({"share": true, "aux": true, "epochs": 2, "pairs": 50, "lr": 0.01,
                           "batch": 16, "seed": seed})
    }

    /// Every epoch's report of a run to the end, and the final report.
    fn train(
        data: &TrainingData,
        options: serde_json::Value,
    ) -> (Training, Vec<EpochReport>, serde_json::Value) {
        let mut training = Training::new(data, js(options)).map_err(message).unwrap();
        let mut epochs = Vec::new();
        while !training.is_finished() {
            let report = training.step().map_err(message).unwrap();
            epochs.push(serde_wasm_bindgen::from_value(report).expect("an EpochReport"));
        }
        let report = json(training.report().map_err(message).unwrap());
        (training, epochs, report)
    }

    #[wasm_bindgen_test]
    fn trains_through_the_facade() {
        let data = data();
        assert_eq!((data.images(), data.max_pairs()), (400, 100));
        let (mut training, epochs, report) = train(&data, small_options(3));
        assert_eq!(
            epochs
                .iter()
                .map(|e| (e.epoch, e.epochs))
                .collect::<Vec<_>>(),
            [(1, 2), (2, 2)]
        );
        for e in &epochs {
            for v in [
                e.train_loss,
                e.test_loss,
                e.test_error,
                e.test_error_readout,
                e.test_digit_error,
            ] {
                assert!(v.is_finite(), "{e:?}");
            }
        }
        assert!(
            epochs[0].elapsed_ms > 0.0 && epochs[1].elapsed_ms > epochs[0].elapsed_ms,
            "{epochs:?}"
        );
        assert_eq!(training.epochs_done(), 2);
        let after = training.step().map(|_| ()).map_err(message).unwrap_err();
        assert!(after.contains("all 2 epochs are done"), "{after}");

        assert_eq!(report["options"], small_options(3));
        assert_eq!(report["elapsed_ms"].as_f64(), Some(epochs[1].elapsed_ms));
        assert_eq!(report["epochs"].as_array().map(Vec::len), Some(2));
        for key in [
            "train_loss",
            "test_loss",
            "train_error",
            "test_error",
            "test_error_readout",
            "test_digit_error",
        ] {
            let v = report["final"][key].as_f64();
            assert!(v.is_some_and(f64::is_finite), "final.{key}: {report}");
        }
        let info = json(training.info().map_err(message).unwrap());
        assert_eq!(
            (info["name"].as_str(), info["parameters"].as_f64()),
            (Some("share+aux"), Some(9_574.0))
        );
        assert_eq!(take_panic_message(), None, "nothing panicked");
    }

    #[wasm_bindgen_test]
    fn same_seed_same_metrics() {
        let data = data();
        let without_time = |epochs: Vec<EpochReport>| -> Vec<EpochReport> {
            epochs
                .into_iter()
                .map(|e| EpochReport {
                    elapsed_ms: 0.0,
                    ..e
                })
                .collect()
        };
        let (first, a, report_a) = train(&data, small_options(5));
        let (second, b, report_b) = train(&data, small_options(5));
        assert_eq!(without_time(a), without_time(b));
        assert_eq!(report_a["final"], report_b["final"]);
        assert_eq!(
            first.weights().map_err(message).unwrap(),
            second.weights().map_err(message).unwrap()
        );
        let (_, c, _) = train(&data, small_options(6));
        assert_ne!(
            without_time(c),
            without_time(train(&data, small_options(5)).1),
            "another seed, another run"
        );
    }

    #[wasm_bindgen_test]
    fn trained_weights_load_and_predict_the_same() {
        let (training, _, _) = train(&data(), small_options(3));
        let bytes = training.weights().map_err(message).unwrap();
        let loaded = Model::new(&bytes).map_err(message).unwrap();
        assert_eq!(
            json(loaded.info().map_err(message).unwrap()),
            json(training.info().map_err(message).unwrap())
        );
        // The page's drawings through the loaded model and through the model in training.
        let (three, eight) = drawings();
        let p = predict(&loaded, &three, &eight, "rgba").unwrap();
        let input = |v: &Option<predict::DigitView>| -> [f32; 196] {
            v.as_ref()
                .expect("not blank")
                .input
                .clone()
                .try_into()
                .expect("196 values")
        };
        // The same run in the core, on the same digits (split as the facade splits them).
        let all = digits_file::decode("synthetic.bin", &synthetic_file()).unwrap();
        let sources = Sources::split_halves(&all, DEFAULT_SPLIT_SEED);
        let options = TrainOptions::from_json(&small_options(3), sources.max_pairs()).unwrap();
        let mut run =
            TrainingRun::start(TrainConfig::of(&options), &sources, options.pairs).unwrap();
        while !run.is_finished() {
            run.step(&|| 0.0).unwrap();
        }
        let trained =
            predict::predict(run.model(), Some(&input(&p.a)), Some(&input(&p.b))).unwrap();
        assert_eq!(p, trained);
    }

    #[wasm_bindgen_test]
    fn bad_settings_name_the_field() {
        let data = data();
        let error = |options: JsValue| match Training::new(&data, options) {
            Ok(_) => panic!("accepted"),
            Err(e) => message(e),
        };
        let with = |key: &str, value: JsValue| {
            let options = js(small_options(1));
            js_sys::Reflect::set(&options, &key.into(), &value).unwrap();
            error(options)
        };
        assert_eq!(
            with("epochs", 0.into()),
            "epochs: must be a whole number from 1 to 200, got 0"
        );
        for (key, value, start) in [
            (
                "epochs",
                JsValue::from(201),
                "epochs: must be a whole number from 1 to 200",
            ),
            ("pairs", 101.into(), "pairs: the data gives at most 100"),
            (
                "pairs",
                5.into(),
                "pairs: must be a whole number from 10 to 5000",
            ),
            ("lr", 0.into(), "lr: must be a number above 0 and at most 1"),
            (
                "lr",
                f64::NAN.into(),
                "lr: must be a number above 0 and at most 1 (the published 0.01 works), got NaN",
            ),
            ("lr", "abc".into(), "lr: must be a number, got \"abc\""),
            (
                "batch",
                1.into(),
                "batch: must be a whole number from 2 to 50, got 1",
            ),
            (
                "batch",
                51.into(),
                "batch: must be a whole number from 2 to 50, got 51",
            ),
            ("seed", (-1).into(), "seed: must be a whole number from 0"),
            ("seed", 1.5.into(), "seed: must be a whole number from 0"),
            ("share", "yes".into(), "share: must be true or false"),
            ("epochz", 3.into(), "epochz: unknown setting"),
        ] {
            let m = with(key, value);
            assert!(m.starts_with(start), "{key}: {m}");
        }
        assert!(error(JsValue::UNDEFINED).starts_with("options: expected an object of settings"));
        let ablation = |options| match AblationRun::new(&data, js(options), 0) {
            Ok(_) => panic!("accepted"),
            Err(e) => message(e),
        };
        assert!(ablation(serde_json::json!({"rounds": 0}))
            .starts_with("rounds: must be a whole number from 1 to 32"));
        assert!(ablation(serde_json::json!({"rounds": 1, "pairs": 1000}))
            .starts_with("pairs: the data gives at most 100"));
        let bad_data = TrainingData::new(b"not digits", Some("data/mnist10k.bin".into()))
            .map(|_| ())
            .map_err(message);
        assert!(
            bad_data
                .as_ref()
                .unwrap_err()
                .starts_with("data/mnist10k.bin: not a TwinNet digits file"),
            "{bad_data:?}"
        );
        assert_eq!(take_panic_message(), None, "nothing panicked");
    }

    #[wasm_bindgen_test]
    fn ablation_runs_in_any_order_give_table_one() {
        let data = data();
        let options = || js(serde_json::json!({"rounds": 1, "epochs": 2, "pairs": 30, "seed": 4}));
        let mut results = AblationResults::new(&data, options())
            .map_err(message)
            .unwrap();
        assert_eq!((results.runs(), results.runs_done()), (4, 0));
        // The runs as workers finish them: backwards.
        let mut finished = Vec::new();
        for index in (0..4).rev() {
            let mut run = AblationRun::new(&data, options(), index)
                .map_err(message)
                .unwrap();
            assert_eq!((run.index(), run.round()), (index, 1));
            while !run.is_finished() {
                let epoch = json(run.step().map_err(message).unwrap());
                assert_eq!(epoch["epochs"], 2, "{epoch}");
            }
            assert_eq!(run.epochs_done(), 2);
            let done = run.finish().map_err(message).unwrap();
            let as_json = json(done.clone());
            assert_eq!(as_json["index"], index);
            assert_eq!(as_json["result"]["config"]["share"], index % 2 == 1);
            finished.push((run.config(), as_json["result"]["test"]["error"].clone()));
            results.insert(done.clone()).map_err(message).unwrap();
            let twice = message(results.insert(done).unwrap_err());
            assert!(twice.contains("already recorded"), "{twice}");
        }
        assert!(results.is_complete());
        let summary = json(results.summary().map_err(message).unwrap());
        let rows = summary.as_array().expect("a list");
        assert_eq!(
            rows.iter()
                .map(|r| r["name"].as_str().unwrap_or("?"))
                .collect::<Vec<_>>(),
            ["none", "share", "aux", "share+aux"]
        );
        for r in rows {
            assert_eq!(r["rounds"].as_f64(), Some(1.0));
            let (_, error) = finished
                .iter()
                .find(|(name, _)| r["name"] == *name)
                .unwrap();
            assert_eq!(r["test_error"]["mean"].as_f64(), error.as_f64(), "{r}");
            assert_eq!(r["curves"]["test_error"].as_array().map(Vec::len), Some(2));
        }

        let outside = AblationRun::new(&data, options(), 4)
            .map(|_| ())
            .map_err(message);
        assert!(
            outside
                .as_ref()
                .unwrap_err()
                .starts_with("run 4 is not in this ablation"),
            "{outside:?}"
        );
        let not_a_run = message(
            results
                .insert(js(serde_json::json!({"index": 0})))
                .unwrap_err(),
        );
        assert!(
            not_a_run.starts_with("not a finished run of an ablation"),
            "{not_a_run}"
        );
        assert_eq!(take_panic_message(), None, "nothing panicked");
    }

    #[wasm_bindgen_test]
    fn memory_is_whole_pages() {
        let bytes = memory_bytes();
        assert!(bytes >= 65_536.0 && bytes % 65_536.0 == 0.0, "{bytes}");
    }

    #[wasm_bindgen_test]
    fn network_inputs_predict_like_drawings() {
        let model = model();
        let (three, eight) = drawings();
        let drawn = predict(&model, &three, &eight, "rgba").unwrap();
        let (a, b) = (
            &drawn.a.as_ref().unwrap().input,
            &drawn.b.as_ref().unwrap().input,
        );
        let mut inputs = Drawings::new();
        inputs.set_input("a", a).map_err(message).unwrap();
        inputs.set_input("b", b).map_err(message).unwrap();
        let direct = predict_kept(&model, &inputs);
        assert_prediction_close(&direct, &drawn);

        let short = message(inputs.set_input("a", &a[..100]).unwrap_err());
        assert!(
            short.contains("first digit: 100 values") && short.contains("196"),
            "{short}"
        );
        let long = message(inputs.set_input("b", &[0.0; 197]).unwrap_err());
        assert!(long.contains("second digit: 197 values"), "{long}");
        assert_eq!(
            predict_kept(&model, &inputs),
            direct,
            "refused inputs change nothing"
        );
    }

    #[wasm_bindgen_test]
    fn benchmarks_give_times() {
        let model = model();
        let mut zeros = Drawings::new();
        for side in ["a", "b"] {
            zeros.set_input(side, &[0.0; 196]).map_err(message).unwrap();
        }
        let micros = model
            .benchmark_predict(&zeros, 2, 5)
            .map_err(message)
            .unwrap();
        assert!(micros.is_finite() && micros >= 0.0, "{micros}");
        let data = data();
        let mut training = Training::new(&data, js(small_options(3)))
            .map_err(message)
            .unwrap();
        training.step().map_err(message).unwrap();
        let ms = training
            .benchmark_evaluate_test(2)
            .map_err(message)
            .unwrap();
        assert!(ms.is_finite() && ms >= 0.0, "{ms}");
    }

    /// The fused conv kernels as the trainer module runs them (wasm32's SIMD paths: its
    /// register tile, the lane-shuffle transposes), against candle's own ops: values and all
    /// three gradients, for both of the TwinNet's layers at a training batch's size (the
    /// first by im2col, the second by Winograd F(4×4, 3×3)). Natively the same check is a unit test.
    #[wasm_bindgen_test]
    fn conv_kernels_match_candles_ops() {
        use candle_core::{Device, Tensor, Var};
        use twinnet::kernels::conv_relu_pool::{conv3x3_relu_pool, Gradients};
        use twinnet::rng::Rng;

        let mut rng = Rng::new(7);
        let mut random = |shape: &[usize]| {
            let values: Vec<f32> = (0..shape.iter().product())
                .map(|_| rng.uniform(-1.0, 1.0))
                .collect();
            Var::from_vec(values, shape, &Device::Cpu).unwrap()
        };
        let max_abs = |t: &Tensor| {
            t.abs()
                .and_then(|t| t.flatten_all()?.max(0)?.to_scalar::<f32>())
                .unwrap()
        };
        // The largest difference relative to the reference's largest magnitude.
        let diff =
            |got: &Tensor, want: &Tensor| max_abs(&(got - want).unwrap()) / max_abs(want).max(1.0);
        // (images, channels, side, outputs): the first layer, the second.
        for (n, c, side, o) in [(40, 1, 14, 16), (40, 16, 6, 32)] {
            let (x, w, b) = (
                random(&[n, c, side, side]),
                random(&[o, c, 3, 3]),
                random(&[o]),
            );
            let pooled = (side - 2) / 2;
            let weights = random(&[n, o, pooled, pooled]);
            let want = x
                .conv2d(&w, 0, 1, 1, 1)
                .and_then(|t| t.broadcast_add(&b.reshape((1, o, 1, 1))?))
                .and_then(|t| t.relu()?.avg_pool2d(2))
                .unwrap();
            let got = conv3x3_relu_pool(&x, &w, &b, Gradients::WeightsAndInput).unwrap();
            let what = format!("{n}×{c}×{side}→{o}");
            assert!(
                diff(&got, &want) <= 1e-5,
                "forward {what}: {}",
                diff(&got, &want)
            );
            let loss = |t: Tensor| (t * weights.as_tensor()).and_then(|t| t.sum_all()).unwrap();
            let (want_grads, got_grads) = (
                loss(want).backward().unwrap(),
                loss(got).backward().unwrap(),
            );
            for (name, var) in [("input", &x), ("weight", &w), ("bias", &b)] {
                let (g, wg) = (got_grads.get(var).unwrap(), want_grads.get(var).unwrap());
                assert!(
                    diff(g, wg) <= 1e-5,
                    "{name} gradient {what}: {}",
                    diff(g, wg)
                );
            }
        }
    }
}
