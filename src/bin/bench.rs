//! Native benchmark of the published protocol (share+aux, 1000 pairs, 25 epochs,
//! batch 128), single thread: per-epoch and per-run times (median over runs),
//! one-pair inference latency and the time to preprocess a drawing of the page's pad.
//! Prints figures; asserts nothing.
//!
//! `cargo run --release --bin bench -- [--runs 3] [--epochs 25] [--threads 1] [--json]`

// The CLI's bounded reads (only `read_bounded` is used here).
#[path = "twinnet/files.rs"]
#[allow(dead_code)]
mod files;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use twinnet::data::digits_file;
use twinnet::data::pairs::{Sources, DEFAULT_SPLIT_SEED};
use twinnet::examples::PAGE_PEN_WIDTH;
use twinnet::model::ModelConfig;
use twinnet::options::{EPOCHS, PUBLISHED_EPOCHS, PUBLISHED_PAIRS, PUBLISHED_SEED};
use twinnet::predict::predict;
use twinnet::preprocess::preprocess;
use twinnet::stats::median;
use twinnet::strokes::paint_pad;
use twinnet::train::{self, TrainConfig};

/// Native benchmark of the published protocol (share+aux, 1000 pairs, batch 128): per-run
/// and per-epoch times (medians over runs) and one-pair inference latency.
#[derive(Parser, Debug)]
#[command(name = "bench")]
struct Args {
    /// Training runs; run r uses seed 1000 + r.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    runs: u64,
    /// Epochs per run.
    #[arg(long, default_value_t = PUBLISHED_EPOCHS as u64, value_parser = clap::value_parser!(u64).range(EPOCHS.min..=EPOCHS.max))]
    epochs: u64,
    /// Compute threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: u64,
    /// TwinNet digits file, split into train and test halves as `twinnet` splits it.
    #[arg(
        long,
        value_name = "FILE",
        env = "TWINNET_DIGITS",
        default_value = "www/data/mnist10k.bin"
    )]
    digits: PathBuf,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (runs, epochs, threads, json) = (
        args.runs as usize,
        args.epochs as usize,
        args.threads as usize,
        args.json,
    );
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());

    let path = args.digits.display().to_string();
    // Bounded as the CLI reads it: no bigger than the file's header says.
    let bytes = files::read_bounded(&args.digits, |head| digits_file::file_bound(&path, head))
        .map_err(|e| format!("{e:#} (run scripts/fetch-data.sh)"))?;
    let sources = Sources::split_halves(&digits_file::decode(&path, &bytes)?, DEFAULT_SPLIT_SEED);
    let model_config = ModelConfig::SHARE_AUX;

    let (mut run_s, mut epoch_s, mut errors, mut readouts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut model = None;
    for r in 0..runs {
        let config = TrainConfig {
            epochs,
            ..TrainConfig::published(model_config, PUBLISHED_SEED + r as u64)
        };
        let clock = Instant::now();
        let now_ms = || clock.elapsed().as_secs_f64() * 1e3;
        let mut last = 0.0;
        let mut on_epoch = |_: &train::EpochMetrics| {
            let t = now_ms();
            epoch_s.push((t - last) / 1e3);
            last = t;
            true
        };
        let (res, m) = train::run(config, &sources, PUBLISHED_PAIRS, &now_ms, &mut on_epoch)?;
        let run_seconds = res.elapsed_ms / 1e3;
        if !json {
            eprintln!(
                "run {}: {:.2} s, test error {:.1}% (head) {:.1}% (readout)",
                r + 1,
                run_seconds,
                res.test.error,
                res.test.error_readout
            );
        }
        run_s.push(run_seconds);
        errors.push(res.test.error as f64);
        readouts.push(res.test.error_readout as f64);
        model = Some(m);
    }
    let model = model.ok_or("no run")?;

    // The per-epoch test evaluation (1000 pairs, eval mode) on its own.
    let (_, test_pairs) = sources.pairs(PUBLISHED_PAIRS, PUBLISHED_SEED)?;
    let tensors = twinnet::evaluate::PairTensors::new(&test_pairs, model.normalization())?;
    let mut eval_s: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = twinnet::evaluate::evaluate(&model, &tensors);
            t.elapsed().as_secs_f64()
        })
        .collect();
    let eval_med = median(&mut eval_s);

    // One-pair inference: preprocessed 14×14 inputs → verdict and probabilities.
    let (_, test) = sources.pairs(1, 7)?;
    let mut a = [0f32; 196];
    let mut b = [0f32; 196];
    a.copy_from_slice(&test.inputs()[..196]);
    b.copy_from_slice(&test.inputs()[196..392]);
    for _ in 0..50 {
        predict(&model, Some(&a), Some(&b))?;
    }
    let mut infer_us: Vec<f64> = (0..1000)
        .map(|_| {
            let t = Instant::now();
            let _ = predict(&model, Some(&a), Some(&b));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();

    // Preprocessing one drawing of the page's pad (280 pixels, the page's pen): a test
    // digit drawn small (30 % of the pad, strokes normalised) and large (80 %).
    let mut preprocess_us = Vec::new();
    for size in [0.3, 0.8] {
        let strokes = twinnet::drawn::place(sources.test.image(0), size, PAGE_PEN_WIDTH, 0.5, 0.5);
        let pad = paint_pad(&strokes, PAGE_PEN_WIDTH, twinnet::drawn::CANVAS)?;
        let mut times: Vec<f64> = (0..1000)
            .map(|_| {
                let t = Instant::now();
                let _ = preprocess(&pad);
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        preprocess_us.push(median(&mut times));
    }

    let (run_med, epoch_med, infer_med) = (
        median(&mut run_s.clone()),
        median(&mut epoch_s),
        median(&mut infer_us),
    );
    if json {
        println!(
            "{}",
            serde_json::json!({
                "config": {"share": true, "aux": true}, "threads": threads, "runs": runs, "epochs": epochs,
                "run_seconds": run_s, "run_seconds_median": run_med, "epoch_seconds_median": epoch_med,
                "inference_us_median": infer_med, "preprocess_us_median": {"small": preprocess_us[0], "large": preprocess_us[1]}, "test_evaluation_seconds_median": eval_med,
                "test_error": errors, "test_error_readout": readouts,
            })
        );
    } else {
        println!("native, {threads} thread(s), share+aux, 1000 pairs, batch 128, {epochs} epochs, {runs} runs");
        println!(
            "  full run (incl. per-epoch test evaluation): median {run_med:.2} s  (runs: {})",
            run_s
                .iter()
                .map(|s| format!("{s:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  one epoch: median {:.0} ms = training {:.0} ms + test evaluation {:.0} ms",
            epoch_med * 1e3,
            (epoch_med - eval_med) * 1e3,
            eval_med * 1e3
        );
        println!("  one-pair inference: median {infer_med:.0} µs (1000 calls)");
        println!(
            "  preprocessing a 280-pixel pad: median {:.0} µs (digit 30 % of the pad), {:.0} µs (80 %)",
            preprocess_us[0], preprocess_us[1]
        );
    }
    Ok(())
}
