use chrono::NaiveDate;

use super::*;
use crate::dashboard::messages::DA;

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
        y_max: None,
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
