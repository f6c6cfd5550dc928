//! Fig. 2-style SVG: mean training curves per configuration with ±std bands.

use std::fmt::Write;

use twinnet::ablation::ConfigSummary;
use twinnet::stats::Stat;

const COLORS: [&str; 4] = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"];
const PANEL_W: f64 = 420.0;
const PANEL_H: f64 = 280.0;
const MARGIN: f64 = 48.0;

struct Panel<'a> {
    title: &'a str,
    x0: f64,
    series: Vec<(&'a str, &'a [Stat], bool)>, // name, curve, dashed
}

fn nice_max(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

fn panel(svg: &mut String, p: &Panel, colors: &[&str]) {
    let epochs = p.series.iter().map(|s| s.1.len()).max().unwrap_or(0).max(2);
    let ymax = nice_max(
        p.series
            .iter()
            .flat_map(|s| s.1.iter().map(|v| v.mean + v.std))
            .fold(0.0, f64::max),
    );
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
    for i in 0..=4 {
        let v = ymax * i as f64 / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{x0}" x2="{}" y1="{y}" y2="{y}" stroke="#eee"/><text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>"##,
            x0 + w,
            x0 - 4.0,
            sy(v) + 3.0,
            trim(v),
            y = sy(v)
        );
    }
    for e in (0..epochs).step_by(5.max(epochs / 5)) {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
            sx(e),
            y0 + h + 14.0,
            e + 1
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

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
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
