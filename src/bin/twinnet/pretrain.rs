//! `twinnet pretrain`: the page's shipped model. A share+aux TwinNet trained on
//! the MNIST training set plus digits redrawn as round pen strokes, so that it
//! reads digits drawn on the page, not only MNIST scans. Measures both.

use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;
use serde_json::json;
use twinnet::data::pairs::PairSet;
use twinnet::data::{idx, DigitSet, PIXELS28};
use twinnet::evaluate;
use twinnet::model::ModelConfig;
use twinnet::rng::{Rng, Stream};
use twinnet::strokes::{redraw_mnist28, StrokeStyle};
use twinnet::train::{TrainConfig, Trainer};
use twinnet::weights;

use crate::{progress, set_threads, sources, PretrainArgs};

/// `count` digits redrawn as pen strokes: image `pick(k)` of `source`, redrawn
/// with a generator seeded by (`seed`, k), so the result does not depend on threads.
pub fn redraw_set(
    source: &DigitSet,
    count: usize,
    seed: u64,
    pick: impl Fn(usize) -> usize + Sync,
) -> Result<DigitSet> {
    let style = StrokeStyle::default();
    let drawn: Vec<Option<([u8; PIXELS28], u8)>> = (0..count)
        .into_par_iter()
        .map(|k| {
            let i = pick(k);
            let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(k as u64));
            redraw_mnist28(source.image(i), &mut rng, &style).map(|img| (img, source.label(i)))
        })
        .collect();
    let mut pixels = Vec::with_capacity(count * PIXELS28);
    let mut labels = Vec::with_capacity(count);
    for (img, label) in drawn.into_iter().flatten() {
        pixels.extend_from_slice(&img);
        labels.push(label);
    }
    Ok(DigitSet::new(pixels, labels)?)
}

pub fn pretrain(args: PretrainArgs) -> Result<()> {
    set_threads(args.threads)?;
    let all = sources::read_idx_set(&args.mnist, idx::TRAIN_IMAGES, idx::TRAIN_LABELS)?;
    if args.holdout < 100 || args.holdout + 2 * args.pairs.min(1000) > all.len() {
        bail!(
            "--holdout {} does not fit {} images",
            args.holdout,
            all.len()
        );
    }
    let cut = all.len() - args.holdout;
    let train_src = all.subset(&(0..cut).collect::<Vec<_>>());
    let test_src = all.subset(&(cut..all.len()).collect::<Vec<_>>());
    let clock = Instant::now();

    // Training images: the scans plus redrawn copies of random scans.
    let mut pick_rng = Rng::for_stream(args.seed, Stream::Augment);
    let picks: Vec<usize> = (0..args.redrawn)
        .map(|_| pick_rng.below(train_src.len() as u64) as usize)
        .collect();
    let mut train_images = train_src.clone();
    train_images.extend(&redraw_set(&train_src, args.redrawn, args.seed, |k| {
        picks[k]
    })?);
    // Drawn-digit test set: every held-out digit redrawn (other seeds than training).
    let drawn_test = redraw_set(&test_src, test_src.len(), args.seed ^ 0xD7A3, |k| k)?;
    if !args.json {
        eprintln!(
            "{} training images ({} scans + {} redrawn), {} held out; redrawing took {:.1} s",
            train_images.len(),
            train_src.len(),
            train_images.len() - train_src.len(),
            test_src.len(),
            clock.elapsed().as_secs_f64()
        );
    }
    if 2 * args.pairs > train_images.len() {
        bail!(
            "--pairs {} needs {} training images, there are {}",
            args.pairs,
            2 * args.pairs,
            train_images.len()
        );
    }
    let config = TrainConfig {
        model: ModelConfig::SHARE_AUX,
        epochs: args.epochs,
        learning_rate: args.lr,
        batch_size: args.batch,
        seed: args.seed,
    };
    let mut pair_rng = Rng::for_stream(args.seed, Stream::Pairs);
    let test_pairs = PairSet::generate(&test_src, test_src.len() / 2, &mut pair_rng)?;
    let first = PairSet::generate(&train_images, args.pairs, &mut pair_rng)?;
    let mut trainer = Trainer::new(config, &first, &test_pairs)?;
    let bar = progress::bar(config.epochs, "epochs");
    let mut epochs = Vec::new();
    let started = Instant::now();
    while !trainer.is_finished() {
        if trainer.epochs_done() > 0 {
            trainer.set_train_pairs(&PairSet::generate(
                &train_images,
                args.pairs,
                &mut pair_rng,
            )?)?;
        }
        let m = trainer.run_epoch()?;
        if !args.json {
            bar.println(format!(
                "epoch {:>3}: train loss {:.4}, test pair error {:.2}% (readout {:.2}%), digit error {:.2}%",
                m.epoch, m.train_loss, m.test.error, m.test.error_readout, m.test.digit_error
            ));
        }
        bar.inc(1);
        epochs.push(m);
    }
    bar.finish_and_clear();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let model = trainer.into_model();
    let scans = evaluate::digit_accuracy(&model, &test_src)?;
    let drawn = evaluate::digit_accuracy(&model, &drawn_test)?;
    let bytes = weights::to_safetensors(&model)?;
    crate::commands::write_file(&args.out, &bytes)?;
    let last = epochs.last().copied();
    if args.json {
        println!(
            "{}",
            json!({
                "config": {"share": true, "aux": true},
                "training_images": train_images.len(), "redrawn": args.redrawn, "holdout": test_src.len(),
                "epochs": epochs, "elapsed_ms": elapsed_ms,
                "scan_digit_accuracy": scans.subnet1_digit_accuracy,
                "drawn_digit_accuracy": drawn.subnet1_digit_accuracy,
                "drawn_test_images": drawn.images,
                "out": args.out, "bytes": bytes.len(),
            })
        );
    } else {
        if let Some(m) = last {
            println!(
                "held-out pairs: error {:.2}% (head), {:.2}% (readout)",
                m.test.error, m.test.error_readout
            );
        }
        println!(
            "held-out digits: {:.2}% of {} MNIST scans, {:.2}% of {} redrawn as pen strokes",
            scans.subnet1_digit_accuracy, scans.images, drawn.subnet1_digit_accuracy, drawn.images
        );
        println!(
            "weights ({} bytes) written to {} after {:.0} s of training",
            bytes.len(),
            args.out.display(),
            elapsed_ms / 1e3
        );
    }
    Ok(())
}
