//! Fig. 2 as an SVG: mean training curves per configuration with ±std bands, from Table I's
//! rows (`twinnet ablate --plot` writes it; the page downloads it).

use std::fmt::Write;

use crate::ablation::ConfigSummary;
use crate::stats::Stat;

const COLORS: [&str; 4] = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"];
const PANEL_W: f64 = 420.0;
const PANEL_H: f64 = 280.0;
const MARGIN: f64 = 48.0;

struct Panel<'a> {
    title: &'a str,
    x0: f64,
    series: Vec<(&'a str, &'a [Stat], bool)>, // name, curve, dashed
}

/// At most this many intervals between ticks on an axis.
const MAX_INTERVALS: f64 = 5.0;

/// A round step (1, 2 or 5 × 10^k) that cuts `0..=span` into at most [`MAX_INTERVALS`]
/// intervals.
fn nice_step(span: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / MAX_INTERVALS;
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * p)
}

/// The y ticks of values up to `max`: 0, step, 2·step, … up to the first multiple of the
/// step at or above `max` (the top of the axis).
fn value_ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let step = nice_step(max);
    let intervals = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=intervals).map(|i| i as f64 * step).collect()
}

/// The epochs labelled on the x axis (1-based): the first, every multiple of a round step,
/// and the last; a multiple closer than half a step to the first or the last is left out.
fn epoch_ticks(epochs: usize) -> Vec<usize> {
    if epochs <= 1 {
        return vec![1];
    }
    let step = (nice_step((epochs - 1) as f64) as usize).max(1);
    let mut ticks = vec![1];
    ticks.extend(
        (1..=epochs / step)
            .map(|i| i * step)
            .filter(|&e| 2 * (e - 1) >= step && 2 * (epochs - e) >= step),
    );
    ticks.push(epochs);
    ticks.dedup();
    ticks
}

/// A tick label with as many decimals as the step needs.
fn label(v: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}")
}

fn panel(svg: &mut String, p: &Panel, colors: &[&str]) {
    let epochs = p.series.iter().map(|s| s.1.len()).max().unwrap_or(0).max(2);
    let yticks = value_ticks(
        p.series
            .iter()
            .flat_map(|s| s.1.iter().map(|v| v.mean + v.std))
            .fold(0.0, f64::max),
    );
    let ystep = yticks[1];
    let ymax = yticks[yticks.len() - 1];
    let (x0, y0) = (p.x0 + MARGIN, MARGIN);
    let (w, h) = (PANEL_W - MARGIN - 12.0, PANEL_H - 2.0 * MARGIN);
    let sx = |e: usize| x0 + w * e as f64 / (epochs - 1) as f64;
    let sy = |v: f64| y0 + h - h * (v / ymax).clamp(0.0, 1.0);
    let _ = write!(
        svg,
        r#"<text x="{}" y="24" font-size="14" font-weight="bold">{}</text>"#,
        x0, p.title
    );
    let _ = write!(
        svg,
        r##"<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>"##
    );
    for &v in &yticks {
        let _ = write!(
            svg,
            r##"<line x1="{x0}" x2="{}" y1="{y}" y2="{y}" stroke="#eee"/><text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>"##,
            x0 + w,
            x0 - 4.0,
            sy(v) + 3.0,
            label(v, ystep),
            y = sy(v)
        );
    }
    for e in epoch_ticks(epochs) {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{e}</text>"#,
            sx(e - 1),
            y0 + h + 14.0,
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="11" text-anchor="middle">epoch</text>"#,
        x0 + w / 2.0,
        y0 + h + 30.0
    );
    for (i, (_, curve, dashed)) in p.series.iter().enumerate() {
        if curve.is_empty() {
            continue;
        }
        let color = colors[i % colors.len()];
        let upper: Vec<String> = curve
            .iter()
            .enumerate()
            .map(|(e, s)| format!("{:.1},{:.1}", sx(e), sy(s.mean + s.std)))
            .collect();
        let lower: Vec<String> = curve
            .iter()
            .enumerate()
            .rev()
            .map(|(e, s)| format!("{:.1},{:.1}", sx(e), sy((s.mean - s.std).max(0.0))))
            .collect();
        let _ = write!(
            svg,
            r#"<polygon points="{} {}" fill="{color}" fill-opacity="0.15" stroke="none"/>"#,
            upper.join(" "),
            lower.join(" ")
        );
        let line: Vec<String> = curve
            .iter()
            .enumerate()
            .map(|(e, s)| format!("{:.1},{:.1}", sx(e), sy(s.mean)))
            .collect();
        let dash = if *dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>"#,
            line.join(" ")
        );
    }
}

/// Two panels: train (solid) and test (dashed) loss; test error (%) — mean ± std per configuration.
pub fn curves_svg(rows: &[ConfigSummary]) -> String {
    let width = 2.0 * PANEL_W + 10.0;
    let height = PANEL_H + 30.0 + 18.0 * rows.len() as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#
    );
    let loss_colors: Vec<&str> = COLORS.iter().flat_map(|c| [*c, *c]).collect();
    let loss = Panel {
        title: "loss (train solid, test dashed)",
        x0: 0.0,
        series: rows
            .iter()
            .flat_map(|r| {
                [
                    (r.name.as_str(), &r.curves.train_loss[..], false),
                    (r.name.as_str(), &r.curves.test_loss[..], true),
                ]
            })
            .collect(),
    };
    panel(&mut svg, &loss, &loss_colors);
    let err = Panel {
        title: "test error % (head)",
        x0: PANEL_W + 10.0,
        series: rows
            .iter()
            .map(|r| (r.name.as_str(), &r.curves.test_error[..], false))
            .collect(),
    };
    panel(&mut svg, &err, &COLORS);
    for (i, r) in rows.iter().enumerate() {
        let y = PANEL_H + 10.0 + 18.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="14" height="4" fill="{}"/><text x="{}" y="{}" font-size="12">{} (N = {}; test error {:.1} ± {:.1} %)</text>"#,
            MARGIN,
            y - 4.0,
            COLORS[i % 4],
            MARGIN + 20.0,
            y + 1.0,
            r.name,
            r.rounds,
            r.test_error.mean,
            r.test_error.std
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        for (span, step) in [
            (4.3, 1.0),
            (5.0, 1.0),
            (0.7, 0.2),
            (45.0, 10.0),
            (51.0, 20.0),
            (24.0, 5.0),
            (199.0, 50.0),
            (0.0, 1.0),
            (f64::NAN, 1.0),
        ] {
            assert_eq!(nice_step(span), step, "span {span}");
        }
    }

    #[test]
    fn value_ticks_are_round_and_reach_the_maximum() {
        let labels = |max: f64| {
            let ticks = value_ticks(max);
            ticks
                .iter()
                .map(|&v| label(v, ticks[1]))
                .collect::<Vec<_>>()
        };
        // docs/ablate32.svg: test errors up to about 4.3 % had ticks 0, 1.25, 2.5, 3.75, 5.
        assert_eq!(labels(4.3), ["0", "1", "2", "3", "4", "5"]);
        assert_eq!(labels(5.0), ["0", "1", "2", "3", "4", "5"]);
        assert_eq!(labels(0.7), ["0.0", "0.2", "0.4", "0.6", "0.8"]);
        assert_eq!(labels(0.03), ["0.00", "0.01", "0.02", "0.03"]);
        assert_eq!(labels(51.0), ["0", "20", "40", "60"]);
        assert_eq!(labels(0.0), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn epoch_ticks_label_the_first_and_the_last_epoch() {
        assert_eq!(epoch_ticks(25), [1, 5, 10, 15, 20, 25]);
        assert_eq!(epoch_ticks(21), [1, 5, 10, 15, 21]);
        assert_eq!(epoch_ticks(10), [1, 2, 4, 6, 8, 10]);
        assert_eq!(epoch_ticks(200), [1, 50, 100, 150, 200]);
        assert_eq!(epoch_ticks(2), [1, 2]);
        assert_eq!(epoch_ticks(1), [1]);
    }
}
