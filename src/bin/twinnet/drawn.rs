//! `twinnet drawn`: the drawn-digit benchmark (`twinnet::drawn`) on the held-out part of
//! the MNIST training set: digit and verdict accuracy per size bucket and pen width, the
//! scans beside them.

use anyhow::Result;
use rayon::prelude::*;
use serde_json::json;
use twinnet::data::DigitSet;
use twinnet::drawn::{self, Score, PEN_WIDTHS, SIZE_BUCKETS};
use twinnet::examples::PAGE_PEN_WIDTH;
use twinnet::model::TwinNet;

use crate::{set_threads, sources, DrawnArgs};

/// One cell of the table: a size bucket drawn with one pen.
struct Cell {
    bucket: (f32, f32),
    pen: f32,
    score: Score,
}

fn measure(
    model: &TwinNet,
    digits: &DigitSet,
    seed: u64,
    bucket: (f32, f32),
    pen: f32,
) -> Result<Cell> {
    let inputs = (0..digits.len())
        .into_par_iter()
        .map(|k| drawn::draw(digits.image(k), k, seed, bucket, pen))
        .collect::<Result<Vec<_>, _>>()?;
    let score = drawn::score(model, &inputs, digits.labels())?;
    Ok(Cell { bucket, pen, score })
}

/// "1/12" for a pen width that is the inverse of a whole number.
fn fraction(pen: f32) -> String {
    format!("1/{:.0}", 1.0 / pen)
}

pub fn drawn(args: DrawnArgs) -> Result<()> {
    set_threads(args.threads)?;
    let (first, held_out) = sources::held_out(&args.mnist, args.holdout, 2)?;
    let last = first + held_out.len() - 1;
    let model = crate::commands::read_weights_or_shipped(args.weights.as_deref())?;
    let scans = drawn::score_scans(&model, &held_out)?;
    let mut cells = Vec::new();
    for bucket in SIZE_BUCKETS {
        for pen in PEN_WIDTHS {
            cells.push(measure(&model, &held_out, args.seed, bucket, pen)?);
        }
    }
    if args.json {
        let cells: Vec<_> = cells
            .iter()
            .map(|c| json!({"size": [c.bucket.0, c.bucket.1], "pen": c.pen, "page_pen": c.pen == PAGE_PEN_WIDTH, "score": c.score}))
            .collect();
        println!(
            "{}",
            json!({"images": [first, last], "seed": args.seed, "canvas": drawn::CANVAS, "scans": scans, "drawn": cells})
        );
        return Ok(());
    }
    println!(
        "MNIST training images {}–{} ({} held out), drawn on a {}-pixel pad (seed {}):",
        first,
        last,
        held_out.len(),
        drawn::CANVAS,
        args.seed
    );
    println!(
        "scans: digits {:.2} %, verdicts {:.2} %",
        scans.digit_accuracy, scans.verdict_accuracy
    );
    let pens: Vec<String> = PEN_WIDTHS.iter().map(|&p| fraction(p)).collect();
    println!(
        "| size (of the pad) | digits, page pen ({}) | verdicts, page pen | digits by pen: {} |",
        fraction(PAGE_PEN_WIDTH),
        pens.join(" / ")
    );
    println!("|---|---|---|---|");
    for bucket in SIZE_BUCKETS {
        let row: Vec<&Cell> = cells.iter().filter(|c| c.bucket == bucket).collect();
        let by_pen: Vec<String> = row
            .iter()
            .map(|c| format!("{:.1}", c.score.digit_accuracy))
            .collect();
        if let Some(page) = row.iter().find(|c| c.pen == PAGE_PEN_WIDTH) {
            println!(
                "| {:.0}–{:.0} % | {:.2} % | {:.2} % | {} |",
                bucket.0 * 100.0,
                bucket.1 * 100.0,
                page.score.digit_accuracy,
                page.score.verdict_accuracy,
                by_pen.join(" / ")
            );
        }
    }
    Ok(())
}
