//! `twinnet ablate`: Table I of the publication, rounds in parallel.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;
use twinnet::ablation::{self, ConfigSummary};
use twinnet::options::AblationOptions;
use twinnet::plot;
use twinnet::report::{self, Report};
use twinnet::stats::Stat;
use twinnet::train::{self, RunResult};

use crate::commands::write_file;
use crate::{check_threads, progress, set_threads, sources, AblateArgs};

/// A time statistic in ms, in seconds (as the table shows it).
fn seconds(ms: &Stat) -> Stat {
    Stat {
        mean: ms.mean / 1e3,
        std: ms.std / 1e3,
    }
}

fn pm(s: &Stat, digits: usize) -> String {
    format!("{:.*} ± {:.*}", digits, s.mean, digits, s.std)
}

/// Table I as Markdown.
pub fn markdown(rows: &[ConfigSummary]) -> String {
    let mut out = String::from(
        "| config | train loss | test loss | train error % | test error % | readout test error % | time s |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        out += &format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            pm(&r.train_loss, 3),
            pm(&r.test_loss, 3),
            pm(&r.train_error, 1),
            pm(&r.test_error, 1),
            pm(&r.test_error_readout, 1),
            pm(&seconds(&r.elapsed_ms), 2)
        );
    }
    out
}

pub fn ablate(args: AblateArgs) -> Result<()> {
    let rounds = twinnet::options::ROUNDS;
    if !(rounds.min..=rounds.max).contains(&(args.rounds as u64)) {
        bail!(
            "--rounds must be {} to {} (the publication's N), got {}",
            rounds.min,
            rounds.max,
            args.rounds
        );
    }
    let jobs = match args.jobs {
        Some(jobs) => check_threads("--jobs", jobs)?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    // One thread per run; runs in parallel.
    set_threads(1)?;
    let sources = sources::load(&args.data)?;
    sources::check_pairs(&sources, args.pairs)?;
    let options = AblationOptions {
        rounds: args.rounds,
        epochs: args.epochs,
        pairs: args.pairs,
        lr: args.lr,
        batch: args.batch,
        seed: args.seed,
    };
    let work = ablation::plan(&options);
    for config in &work {
        config.validate(args.pairs)?;
    }
    if !args.json {
        eprintln!(
            "ablation: {} rounds × 4 configurations, {} pairs, {} epochs, {} parallel jobs",
            args.rounds, args.pairs, args.epochs, jobs
        );
    }
    let bar = progress::bar(work.len(), "runs");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let log = Mutex::new(());
    let results: Vec<RunResult> = pool.install(|| {
        work.par_iter()
            .map(|&c| {
                let clock = Instant::now();
                let now_ms = || clock.elapsed().as_secs_f64() * 1e3;
                let (r, _) = train::run(c, &sources, args.pairs, &now_ms, &mut |_| true)?;
                if !args.json {
                    let _guard = log.lock();
                    bar.println(format!(
                        "seed {} {:>9}: test error {:5.1}% (readout {:4.1}%), {:.2} s",
                        r.seed,
                        c.model.name(),
                        r.test.error,
                        r.test.error_readout,
                        r.elapsed_ms / 1e3
                    ));
                }
                bar.inc(1);
                Ok(r)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    bar.finish_and_clear();
    let rows = ablation::summarize(&results);
    if let Some(path) = &args.csv {
        write_file(path, report::csv(&rows).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        write_file(path, plot::curves_svg(&rows).as_bytes())?;
    }
    if args.json {
        println!("{}", Report::new(&options, jobs, &rows).json()?);
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Table I, N = {} rounds (mean ± sample std; time per run with {jobs} parallel jobs)\n",
            args.rounds
        )?;
        write!(out, "{}", markdown(&rows))?;
    }
    Ok(())
}
