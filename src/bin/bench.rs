//! Native benchmark of the published protocol (share+aux, 1000 pairs, 25 epochs,
//! batch 128), single thread: per-epoch and per-run times (median over runs),
//! and one-pair inference latency. Prints figures; asserts nothing.
//!
//! `cargo run --release --bin bench -- [--runs 3] [--epochs 25] [--threads 1] [--json]`

use std::time::Instant;

use twinnet::data::digits_file;
use twinnet::data::pairs::{Sources, DEFAULT_SPLIT_SEED};
use twinnet::model::ModelConfig;
use twinnet::predict::predict;
use twinnet::stats::median;
use twinnet::train::{self, TrainConfig};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = arg(&args, "--runs", 3).max(1);
    let epochs = arg(&args, "--epochs", 25).max(1);
    let threads = arg(&args, "--threads", 1).max(1);
    let json = args.iter().any(|a| a == "--json");
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());

    let path = std::env::var("TWINNET_DIGITS").unwrap_or_else(|_| "www/data/mnist10k.bin".into());
    let bytes =
        std::fs::read(&path).map_err(|e| format!("{path}: {e} (run scripts/fetch-data.sh)"))?;
    let sources = Sources::split_halves(&digits_file::decode(&path, &bytes)?, DEFAULT_SPLIT_SEED);
    let model_config = ModelConfig::SHARE_AUX;

    let (mut run_s, mut epoch_s, mut errors, mut readouts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut model = None;
    for r in 0..runs {
        let config = TrainConfig {
            epochs,
            ..TrainConfig::published(model_config, 1000 + r as u64)
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
        let (res, m) = train::run(config, &sources, 1000, &now_ms, &mut on_epoch)?;
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
    let (_, test_pairs) = sources.pairs(1000, 1000)?;
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
                "inference_us_median": infer_med, "test_evaluation_seconds_median": eval_med,
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
    }
    Ok(())
}
