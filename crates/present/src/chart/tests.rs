use chrono::NaiveDate;

use super::*;
use crate::messages::DA;

fn months(n: u32) -> Vec<Cell> {
    (1..=n)
        .map(|m| Cell::Date(NaiveDate::from_ymd_opt(2024, m, 1).unwrap()))
        .collect()
}

fn input(kind: Kind, values: Vec<Option<f64>>) -> Input {
    let x = months(values.len() as u32);
    Input {
        id: "c1".into(),
        kind,
        title: "Tilgang".into(),
        x_label: "Måned".into(),
        y_label: "Antal".into(),
        y_format: Format::Integer,
        y_min: None,
        y_max: None,
        y_decimals: None,
        x_labels: x.iter().map(|c| format!("{c:?}")).collect(),
        x,
        series: vec![SeriesInput {
            label: "Nye forløb".into(),
            values,
            band: None,
        }],
    }
}

#[test]
fn a_missing_value_splits_the_line_into_two_paths() {
    let view = layout(
        &input(
            Kind::Line,
            vec![Some(10.0), Some(12.0), None, Some(9.0), Some(11.0)],
        ),
        &DA,
    );
    assert_eq!(view.series[0].paths.len(), 2);
    assert!(view.series[0]
        .paths
        .iter()
        .all(|d| d.matches('M').count() == 1));
    assert_eq!(view.series[0].points.len(), 4);
    assert!(view.has_gaps);
}

#[test]
fn a_single_point_between_gaps_keeps_its_marker() {
    let view = layout(&input(Kind::Line, vec![None, Some(12.0), None]), &DA);
    assert_eq!(view.series[0].points.len(), 1);
    assert!(view.series[0].paths.is_empty());
}

#[test]
fn the_y_axis_starts_at_zero_and_ends_on_a_round_number() {
    let view = layout(&input(Kind::Line, vec![Some(113.0), Some(187.0)]), &DA);
    let labels: Vec<&str> = view.y_ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["0", "50", "100", "150", "200"]);
    assert_eq!(view.y_ticks[0].pos, view.bottom);
    assert_eq!(view.y_ticks.last().unwrap().pos, view.top);
}

#[test]
fn percent_ticks_are_danish_percentages() {
    let mut i = input(Kind::Line, vec![Some(0.31), Some(0.42)]);
    i.y_format = Format::Percent;
    let labels: Vec<String> = layout(&i, &DA)
        .y_ticks
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(labels, ["0 %", "10 %", "20 %", "30 %", "40 %", "50 %"]);
}

#[test]
fn small_counts_never_get_fractional_ticks() {
    let labels: Vec<String> = layout(&input(Kind::Line, vec![Some(1.0), Some(2.0)]), &DA)
        .y_ticks
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(labels, ["0", "1", "2"]);
}

#[test]
fn a_band_is_a_closed_path_between_low_and_high_with_gaps_where_unknown() {
    let mut i = input(Kind::Line, vec![Some(0.3), Some(0.4), Some(0.35), None]);
    i.series[0].band = Some(BandInput {
        label: "95 %-interval".into(),
        low: vec![Some(0.2), Some(0.3), None, None],
        high: vec![Some(0.4), Some(0.5), None, None],
    });
    let view = layout(&i, &DA);
    assert_eq!(view.bands.len(), 1);
    assert_eq!(view.bands[0].paths.len(), 1);
    let d = &view.bands[0].paths[0];
    assert!(
        d.starts_with('M') && d.ends_with(" Z") && d.matches(" L").count() == 3,
        "{d}"
    );
    assert_eq!(
        view.legend.iter().map(|l| l.shape).collect::<Vec<_>>(),
        ["line", "band"]
    );
}

#[test]
fn a_lone_interval_is_drawn_as_a_narrow_bar() {
    let mut i = input(Kind::Line, vec![Some(0.3), None]);
    i.series[0].band = Some(BandInput {
        label: "95 %-interval".into(),
        low: vec![Some(0.2), None],
        high: vec![Some(0.4), None],
    });
    let d = &layout(&i, &DA).bands[0].paths[0];
    assert_eq!(d.matches(" L").count(), 3, "{d}");
}

#[test]
fn months_are_placed_to_scale_so_a_missing_month_shows_as_a_wider_step() {
    let mut i = input(Kind::Line, vec![Some(1.0), Some(2.0), Some(3.0)]);
    i.x = vec![
        Cell::Date(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
        Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()),
        Cell::Date(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()),
    ];
    let xs: Vec<f64> = layout(&i, &DA).series[0]
        .points
        .iter()
        .map(|p| p.0)
        .collect();
    assert!(xs[2] - xs[1] > 3.0 * (xs[1] - xs[0]), "{xs:?}");
}

#[test]
fn bars_leave_out_missing_values() {
    let view = layout(&input(Kind::Bar, vec![Some(5.0), None, Some(7.0)]), &DA);
    assert_eq!(view.series[0].bars.len(), 2);
    let (_, y, _, h) = view.series[0].bars[0];
    assert_eq!(y + h, view.bottom);
}

#[test]
fn the_description_names_the_series_and_the_range() {
    let mut i = input(Kind::Line, vec![Some(1.0), Some(2.0)]);
    i.x_labels = vec!["jan. 2024".into(), "feb. 2024".into()];
    assert_eq!(
        layout(&i, &DA).desc,
        "Linjediagram, 1 serie: Nye forløb. 2 punkter fra jan. 2024 til feb. 2024."
    );
}

#[test]
fn a_chart_without_rows_is_marked_empty() {
    let view = layout(&input(Kind::Line, vec![]), &DA);
    assert!(view.empty && view.series[0].paths.is_empty());
}

#[test]
fn a_step_line_holds_each_value_until_the_next_point() {
    let mut inp = input(Kind::Step, vec![Some(1.0), Some(0.5), Some(0.25)]);
    inp.x = vec![Cell::Int(0), Cell::Int(1), Cell::Int(2)];
    inp.y_format = Format::Percent;
    let view = layout(&inp, &DA);
    let d = &view.series[0].paths[0];
    // M p0, then for each next point: across at the old height, then down.
    let coords: Vec<(f64, f64)> = d
        .split(['M', 'L'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let (x, y) = s.trim().split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert_eq!(coords.len(), 5, "{d}");
    assert_eq!(coords[1].1, coords[0].1, "horizontal first");
    assert_eq!(coords[2].0, coords[1].0, "then vertical");
    assert!(coords[2].1 > coords[1].1, "down to the lower value");
    // Steps carry no markers.
    assert!(view.series[0].points.is_empty());
    assert!(view.desc.starts_with("Trappekurve"));
}

#[test]
fn a_step_band_closes_along_the_upper_steps() {
    let mut inp = input(Kind::Step, vec![Some(0.8), Some(0.6)]);
    inp.x = vec![Cell::Int(0), Cell::Int(1)];
    inp.series[0].band = Some(BandInput {
        label: "95 %-interval".into(),
        low: vec![Some(0.7), Some(0.5)],
        high: vec![Some(0.9), Some(0.7)],
    });
    let view = layout(&inp, &DA);
    let d = &view.bands[0].paths[0];
    assert!(d.ends_with('Z'));
    // Two low points as a step (3 coordinates), then back along the high step (3).
    assert_eq!(d.matches('L').count() + 1, 6, "{d}");
}

mod reliability_diagram {
    use super::super::reliability::{layout, BinInput, ReliabilityInput};
    use crate::messages::DA;

    fn bin(p: f64, o: f64, lo: f64, hi: f64) -> BinInput {
        BinInput {
            predicted: Some(p),
            observed: Some(o),
            low: Some(lo),
            high: Some(hi),
        }
    }

    fn input(bins: Vec<BinInput>) -> ReliabilityInput {
        ReliabilityInput {
            id: "k1".into(),
            title: "Pålidelighed".into(),
            x_label: "Forudsagt".into(),
            y_label: "Faktisk".into(),
            bins,
        }
    }

    #[test]
    fn both_axes_share_one_scale_so_the_diagonal_is_at_45_degrees() {
        let v = layout(
            &input(vec![bin(0.1, 0.12, 0.08, 0.16), bin(0.7, 0.6, 0.5, 0.72)]),
            &DA,
        );
        let (x0, y0, x1, y1) = v.diagonal;
        assert!(((x1 - x0) - (y0 - y1)).abs() < 0.2, "{:?}", v.diagonal);
        // A point exactly on the diagonal sits on the line: same offset on both axes.
        assert_eq!(v.x_ticks.len(), v.y_ticks.len());
        assert_eq!(v.x_ticks.last().unwrap().label, "80 %");
    }

    #[test]
    fn a_bin_with_a_hidden_figure_is_left_out_and_noted() {
        let mut hidden = bin(0.3, 0.3, 0.2, 0.4);
        hidden.observed = None;
        let v = layout(&input(vec![bin(0.1, 0.1, 0.05, 0.15), hidden]), &DA);
        assert_eq!(v.bins.len(), 1);
        assert!(v.has_gaps && !v.empty);
    }

    #[test]
    fn the_summary_counts_bins_clearly_above_and_below_the_diagonal() {
        let v = layout(
            &input(vec![
                bin(0.1, 0.2, 0.15, 0.25), // above: interval entirely above 0.1
                bin(0.5, 0.3, 0.25, 0.35), // below
                bin(0.7, 0.72, 0.6, 0.8),  // interval holds the diagonal
            ]),
            &DA,
        );
        assert!(v.desc.contains("3 risikogrupper"), "{}", v.desc);
        assert!(
            v.desc.contains("1 grupper ligger sikkert over") && v.desc.contains("1 sikkert under"),
            "{}",
            v.desc
        );
    }
}

mod heat_map {
    use super::super::heatmap::{layout, level, HeatmapInput};
    use crate::messages::DA;

    fn input() -> HeatmapInput {
        HeatmapInput {
            id: "k1".into(),
            title: "PSI".into(),
            x_label: "Kohorte".into(),
            y_label: "Kendetegn".into(),
            columns: vec!["jan. 2024".into(), "feb. 2024".into()],
            rows: vec!["Alder".into(), "Målgruppe dagpenge".into()],
            values: vec![
                vec![(Some(0.05), "0,05".into()), (Some(0.3), "0,30".into())],
                vec![(Some(0.1), "0,10".into()), (None, "–".into())],
            ],
            thresholds: vec![0.1, 0.25],
            levels: vec!["lav".into(), "mellem".into(), "høj".into()],
        }
    }

    #[test]
    fn a_value_at_a_threshold_belongs_to_the_level_above() {
        assert_eq!(level(0.0999, &[0.1, 0.25]), 1);
        assert_eq!(level(0.1, &[0.1, 0.25]), 2);
        assert_eq!(level(0.25, &[0.1, 0.25]), 3);
    }

    #[test]
    fn every_cell_carries_its_level_and_its_value_as_text() {
        let v = layout(&input(), &DA);
        let classes: Vec<Vec<&str>> = v
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.class.as_str()).collect())
            .collect();
        assert_eq!(classes, [["h1", "h3"], ["h2", "h0"]]);
        assert_eq!(v.rows[0].cells[1].text, "0,30");
        // Hidden says so, never a dash that could be read as zero (#20).
        assert_eq!(v.rows[1].cells[1].text, "skjult");
        assert!(v.has_gaps);
        assert_eq!(v.headers[0].lines, ["jan.", "2024"]);
        assert!(v.desc.contains("høj: 1"), "{}", v.desc);
    }

    #[test]
    fn the_cells_are_laid_out_on_a_grid_right_of_the_labels() {
        let v = layout(&input(), &DA);
        let c = &v.rows[1].cells[1];
        assert_eq!(c.x, v.left + v.cell_w);
        assert_eq!(c.y, v.top + v.cell_h);
        assert!(v.width >= v.left + 2.0 * v.cell_w);
    }
}

mod interval_plot {
    use super::super::interval::{layout, IntervalInput, IntervalRow};
    use crate::format::Format;
    use crate::messages::DA;

    fn row(group: &str, label: &str, v: Option<f64>, flagged: bool) -> IntervalRow {
        IntervalRow {
            group: Some(group.into()),
            label: label.into(),
            value: v,
            low: v.map(|v| v - 0.05),
            high: v.map(|v| v + 0.05),
            text: "x".into(),
            flagged,
            reference: label == "Kvinder",
        }
    }

    #[test]
    fn rows_are_gathered_under_one_heading_per_group() {
        let v = layout(
            &IntervalInput {
                id: "k1".into(),
                title: "FPR".into(),
                x_label: "Andel".into(),
                format: Format::Percent,
                x_max: Some(1.0),
                rows: vec![
                    row("Køn", "Kvinder", Some(0.2), false),
                    row("Køn", "Mænd", Some(0.3), true),
                    row("Alder", "Under 30 år", None, false),
                ],
                flag_label: Some("Markeret".into()),
            },
            &DA,
        );
        let kinds: Vec<&str> = v.lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, ["heading", "row", "row", "heading", "row"]);
        assert_eq!(v.lines[1].label, "Kvinder (referencegruppe)");
        assert_eq!(v.lines[2].label, "Mænd – markeret");
        // The reference value is drawn through its own block only.
        assert_eq!(v.reference_lines.len(), 1);
        let (rx, top, bottom) = v.reference_lines[0];
        assert_eq!(rx, v.lines[1].point.unwrap());
        assert!(top < v.lines[1].y && v.lines[2].y < bottom && bottom < v.lines[3].y);
        assert!(v.lines[2].flagged);
        // A hidden value draws no point and no whisker, and is noted.
        assert!(v.lines[4].point.is_none() && v.lines[4].whisker.is_none());
        assert!(v.has_gaps);
        // x_max fixes the scale's end; the whisker lies around its point.
        assert_eq!(v.x_ticks.last().unwrap().label, "100 %");
        let (lo, hi) = v.lines[1].whisker.unwrap();
        let p = v.lines[1].point.unwrap();
        assert!(lo < p && p < hi);
        assert!(v.desc.contains("3 grupper, heraf 1 markeret"), "{}", v.desc);
    }
}

#[test]
fn every_marker_carries_its_value_and_interval_for_hover() {
    let mut i = input(Kind::Line, vec![Some(1234.0), None, Some(987.0)]);
    i.x_labels = vec!["jan. 2024".into(), "feb. 2024".into(), "mar. 2024".into()];
    i.series[0].band = Some(BandInput {
        label: "95 %-interval".into(),
        low: vec![Some(1200.0), None, None],
        high: vec![Some(1300.0), None, None],
    });
    let view = layout(&i, &DA);
    let s = &view.series[0];
    // One tip per drawn marker, in the same order; the gap has neither.
    assert_eq!(s.points.len(), s.tips.len());
    assert_eq!(
        s.tips,
        [
            "jan. 2024 – Nye forløb: 1.234 (95 %-interval: 1.200 til 1.300)",
            "mar. 2024 – Nye forløb: 987",
        ]
    );
    let mut bars = input(Kind::Bar, vec![Some(5.0), Some(0.0)]);
    bars.x_labels = vec!["a".into(), "b".into()];
    let view = layout(&bars, &DA);
    // A zero is a bar of height 0 with its value; it is not a gap.
    assert_eq!(
        view.series[0].tips,
        ["a – Nye forløb: 5", "b – Nye forløb: 0"]
    );
}
