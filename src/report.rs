//! Table I to take away: the JSON report (`twinnet ablate --json`'s schema, which the page's
//! download shares) and the CSV (`twinnet ablate --csv`, the page's too). Fig. 2's SVG is
//! [`crate::plot`]'s.

use serde::Serialize;

use crate::ablation::ConfigSummary;
use crate::options::AblationOptions;

/// An ablation's settings and Table I: `{rounds, pairs, epochs, seed, lr, batch, jobs,
/// configurations: [ConfigSummary]}`, every aggregate `{mean, std}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report<'a> {
    pub rounds: usize,
    pub pairs: usize,
    pub epochs: usize,
    pub seed: u64,
    pub lr: f64,
    pub batch: usize,
    /// Runs trained at once (the CLI's `--jobs`, the page's workers).
    pub jobs: usize,
    pub configurations: &'a [ConfigSummary],
}

impl<'a> Report<'a> {
    pub fn new(options: &AblationOptions, jobs: usize, rows: &'a [ConfigSummary]) -> Self {
        Self {
            rounds: options.rounds,
            pairs: options.pairs,
            epochs: options.epochs,
            seed: options.seed,
            lr: options.lr,
            batch: options.batch,
            jobs,
            configurations: rows,
        }
    }

    /// The report as one line of JSON.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// Table I as CSV: `config,share,aux,rounds` and `<column>_mean,<column>_std` for each
/// aggregate, one row per configuration.
pub fn csv(rows: &[ConfigSummary]) -> String {
    let mut out = String::from("config,share,aux,rounds");
    if let Some(first) = rows.first() {
        for (k, _) in first.aggregates() {
            out += &format!(",{k}_mean,{k}_std");
        }
    }
    out.push('\n');
    for r in rows {
        out += &format!("{},{},{},{}", r.name, r.share, r.aux, r.rounds);
        for (_, s) in r.aggregates() {
            out += &format!(",{},{}", s.mean, s.std);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ablation::{summarize, Curves};
    use crate::stats::Stat;
    use serde_json::json;

    fn row() -> ConfigSummary {
        let s = |mean| Stat { mean, std: 0.5 };
        ConfigSummary {
            name: "share+aux".into(),
            share: true,
            aux: true,
            rounds: 2,
            train_loss: s(0.1),
            test_loss: s(0.2),
            train_error: s(1.5),
            test_error: s(8.25),
            test_error_readout: s(3.0),
            test_digit_error: s(4.5),
            elapsed_ms: s(900.0),
            curves: Curves {
                train_loss: vec![s(0.3)],
                test_loss: vec![s(0.4)],
                test_error: vec![s(9.0)],
                test_error_readout: vec![s(4.0)],
            },
        }
    }

    #[test]
    fn the_json_report_has_the_clis_keys() {
        let rows = [row()];
        let report = Report::new(&AblationOptions::PUBLISHED, 2, &rows);
        let value: serde_json::Value = serde_json::from_str(&report.json().unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"rounds": 32, "pairs": 1000, "epochs": 25, "seed": 1000, "lr": 0.01,
                   "batch": 128, "jobs": 2, "configurations": [serde_json::to_value(&rows[0]).unwrap()]})
        );
        let config = &value["configurations"][0];
        for (key, stat) in rows[0].aggregates() {
            assert_eq!(
                config[key],
                json!({"mean": stat.mean, "std": stat.std}),
                "{key}"
            );
        }
        for key in ["name", "share", "aux", "rounds", "curves"] {
            assert!(config.get(key).is_some(), "{key}");
        }
        assert_eq!(config["test_error"], json!({"mean": 8.25, "std": 0.5}));
        assert_eq!(summarize(&[]), [], "no runs, no rows");
    }

    #[test]
    fn the_csv_has_a_row_per_configuration() {
        let text = csv(&[row()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("config,share,aux,rounds,train_loss_mean,train_loss_std,"));
        assert!(lines[0].ends_with(",elapsed_ms_mean,elapsed_ms_std"));
        assert_eq!(
            lines[1],
            "share+aux,true,true,2,0.1,0.5,0.2,0.5,1.5,0.5,8.25,0.5,3,0.5,4.5,0.5,900,0.5"
        );
    }
}
