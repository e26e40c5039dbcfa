//! Attacks: each test builds persons, aggregates them the way the marts do (one row per
//! month and group, counts with cell keys), publishes them through [`apply`], and then
//! computes what an attacker would compute from the published table alone. None may
//! determine a hidden value.
//!
//! "Does not determine" is shown in the strongest form available for each attack:
//! either the published tables of two worlds that differ in the hidden value are equal
//! (the page cannot tell them apart), or, where noise is what protects, such a pair of
//! worlds is found among the pseudonym keys the attacker cannot know, and the
//! attacker's best guess is wrong most of the time over many keys.

use super::ckey::{self, record_keys, subset_key};
use super::*;
use chrono::NaiveDate;

const K: u32 = 5;

/// The threshold the attacks face, as `apply` takes it.
fn dk() -> DisclosureK {
    DisclosureK::new(K).unwrap()
}

#[derive(Clone)]
struct Person {
    district: &'static str,
    age: &'static str,
    unemployed: bool,
    keys: [u8; 4],
}

fn person(salt: &str, i: usize, district: &'static str, unemployed: bool) -> Person {
    Person {
        district,
        age: if i.is_multiple_of(2) {
            "under_30"
        } else {
            "30_44"
        },
        unemployed,
        keys: record_keys(&format!("{salt}-{i}"), "forloeb"),
    }
}

/// `n` persons in `district`, the first `unemployed` of them still unemployed.
fn group(
    salt: &str,
    from: usize,
    n: usize,
    district: &'static str,
    unemployed: usize,
) -> Vec<Person> {
    (from..from + n)
        .map(|i| person(salt, i, district, i - from < unemployed))
        .collect()
}

fn month() -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())
}

/// The mart: the total and one row per district and per age band, as the SQL builds it.
fn mart(people: &[Person], with_keys: bool) -> Table {
    let mut rows = Vec::new();
    let mut add = |dimension: &str, grp: &str, members: Vec<&Person>| {
        let n = members.len() as i64;
        let e = members.iter().filter(|p| p.unemployed).count() as i64;
        let n_key = subset_key(members.iter().map(|p| (&p.keys, true)), false);
        let e_key = subset_key(members.iter().map(|p| (&p.keys, p.unemployed)), false);
        let mut row = vec![
            month(),
            Cell::Text(dimension.into()),
            Cell::Text(grp.into()),
        ];
        row.push(Cell::Int(n));
        if with_keys {
            row.push(Cell::Int(i64::from(n_key)));
        }
        row.push(Cell::Int(e));
        if with_keys {
            row.push(Cell::Int(i64::from(e_key)));
        }
        // The mart's own exact rate: disclosure control must not publish it.
        row.push(Cell::Float(e as f64 / n as f64));
        rows.push(row);
    };
    add("alle", "alle", people.iter().collect());
    let mut districts: Vec<&str> = people.iter().map(|p| p.district).collect();
    districts.sort();
    districts.dedup();
    for d in districts {
        add(
            "distrikt",
            d,
            people.iter().filter(|p| p.district == d).collect(),
        );
    }
    for a in ["under_30", "30_44"] {
        add(
            "aldersgruppe",
            a,
            people.iter().filter(|p| p.age == a).collect(),
        );
    }
    let mut columns = vec!["cohort_month", "dimension", "grp", "n"];
    if with_keys {
        columns.push("n_ckey");
    }
    columns.push("n_unemployed");
    if with_keys {
        columns.push("n_unemployed_ckey");
    }
    columns.push("observed_rate");
    Table {
        columns: columns.into_iter().map(String::from).collect(),
        rows,
    }
}

/// The declaration the page file makes for this mart.
fn rule() -> Rule {
    Rule::new("n", &["cohort_month", "dimension", "grp"])
        .with_partial("n_unemployed", &[])
        .with_ratio("observed_rate", "n_unemployed", "n")
        .with_interval("observed_rate", "observed_ci_low", "observed_ci_high")
        .with_breakdown("dimension", "alle", &["cohort_month"])
}

fn publish(people: &[Person], rule: &Rule) -> Table {
    apply(mart(people, true), rule, dk())
}

/// What a filtered page (or its export) shows for one group: its row, or None.
fn row<'a>(t: &'a Table, dimension: &str, grp: &str) -> Option<&'a [Cell]> {
    let (d, g) = (t.column_index("dimension")?, t.column_index("grp")?);
    t.rows
        .iter()
        .find(|r| r[d] == Cell::Text(dimension.into()) && r[g] == Cell::Text(grp.into()))
        .map(Vec::as_slice)
}

/// The persons and the unemployed an attacker reads off a group's row: the count, and
/// the unemployed as rate x count (exact when the rate was computed from it).
fn read(t: &Table, dimension: &str, grp: &str) -> Option<(i64, i64)> {
    let r = row(t, dimension, grp)?;
    let n = r[t.column_index("n")?].as_i64()?;
    let rate = r[t.column_index("observed_rate")?].as_f64()?;
    Some((n, (rate * n as f64).round() as i64))
}

fn no_number_in(t: &Table, dimension: &str, grp: &str) -> bool {
    row(t, dimension, grp).is_some_and(|r| {
        r[3..]
            .iter()
            .all(|c| matches!(c, Cell::Suppressed | Cell::Null))
    })
}

fn town(salt: &str, small: usize, small_unemployed: usize) -> Vec<Person> {
    let mut p = group(salt, 0, 50, "Midtby", 20);
    p.extend(group(salt, 100, 40, "Vestby", 12));
    p.extend(group(salt, 200, 27, "Østerhøj", 9));
    p.extend(group(salt, 300, small, "Lille", small_unemployed));
    p
}

#[test]
fn attack_1_a_cell_under_k_publishes_no_number() {
    let out = publish(&town("a", 3, 2), &rule());
    assert!(no_number_in(&out, "distrikt", "Lille"));
    assert_eq!(read(&out, "distrikt", "Lille"), None);
}

#[test]
fn attack_2_the_total_minus_the_visible_siblings_does_not_give_the_hidden_cell_back() {
    // Suppression alone (no cell keys): two worlds that differ in the small district's
    // size and outcomes publish exactly the same table.
    let world_a = town("a", 3, 2);
    let mut world_b = town("a", 1, 0);
    world_b.extend(group("a", 400, 2, "Østerhøj", 2)); // the two persons live elsewhere
    let (a, b) = (
        apply(mart(&world_a, false), &rule(), dk()),
        apply(mart(&world_b, false), &rule(), dk()),
    );
    let districts = |t: &Table| {
        t.rows
            .iter()
            .filter(|r| r[1] == Cell::Text("distrikt".into()))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        districts(&a),
        districts(&b),
        "the district rows tell the worlds apart"
    );
    assert_eq!(row(&a, "alle", "alle"), row(&b, "alle", "alle"));

    // With perturbation as published: the attacker's subtraction leaves at least two
    // hidden districts, holding k or more persons together, so the small one is open.
    let out = publish(&world_a, &rule());
    assert!(no_number_in(&out, "distrikt", "Lille"));
    assert!(no_number_in(&out, "distrikt", "Østerhøj"));
    let (total, _) = read(&out, "alle", "alle").unwrap();
    let visible: Vec<(i64, i64)> = ["Midtby", "Vestby", "Østerhøj", "Lille"]
        .iter()
        .filter_map(|d| read(&out, "distrikt", d))
        .collect();
    assert_eq!(
        visible.len(),
        2,
        "exactly the two large districts are visible"
    );
    let rest = total - visible.iter().map(|v| v.0).sum::<i64>();
    assert!(
        rest >= K as i64,
        "the hidden districts hold {rest} together"
    );
}

#[test]
fn attack_3_two_overlapping_filters_do_not_isolate_the_few_between_them() {
    // "All" and "district = Stor" differ by the three persons of Lille.
    let people = {
        let mut p = group("o", 0, 100, "Stor", 40);
        p.extend(group("o", 500, 3, "Lille", 1));
        p
    };
    // As published: complementary suppression hides Stor, the only other sibling.
    let out = publish(&people, &rule());
    assert!(no_number_in(&out, "distrikt", "Lille"));
    assert!(no_number_in(&out, "distrikt", "Stor"));
    assert_eq!(read(&out, "distrikt", "Stor"), None);

    // Defence in depth: even a page without complementary suppression would not give
    // the three away, because each filter's persons get their own noise. Over many
    // pseudonymisation keys the attacker's difference is mostly wrong...
    let mut no_secondary = rule();
    no_secondary.breakdown = None;
    let (mut right_n, mut right_e, trials) = (0, 0, 400);
    let mut seen = std::collections::BTreeSet::new();
    for key in 0..trials {
        let salt = format!("key{key}");
        let mut p = group(&salt, 0, 100, "Stor", 40);
        p.extend(group(&salt, 500, 3, "Lille", 1));
        let out = apply(mart(&p, true), &no_secondary, dk());
        let (all, all_e) = read(&out, "alle", "alle").unwrap();
        let (stor, stor_e) = read(&out, "distrikt", "Stor").unwrap();
        right_n += i32::from(all - stor == 3);
        right_e += i32::from(all_e - stor_e == 1);
        seen.insert((all, stor));
    }
    assert!(right_n < trials / 3, "size right in {right_n} of {trials}");
    assert!(
        right_e < trials / 3,
        "unemployed right in {right_e} of {trials}"
    );
    // ...and whatever pair of counts the attacker sees, it is consistent with more than
    // one size of the group between the filters.
    let k = i64::from(K);
    for (all, stor) in &seen {
        let mut sizes: Vec<i64> = ckey::possible_true_counts(*all, k)
            .iter()
            .flat_map(|a| {
                ckey::possible_true_counts(*stor, k)
                    .into_iter()
                    .map(move |s| a - s)
            })
            .filter(|d| (0..k).contains(d))
            .collect();
        sizes.sort();
        sizes.dedup();
        assert!(sizes.len() >= 2, "({all}, {stor}) pins the size: {sizes:?}");
    }
}

#[test]
fn attack_4_the_same_cell_in_consecutive_months_does_not_reveal_the_person_who_joined() {
    // Month 1: a cohort of 40 in Midtby. Month 2: a late registration adds one person.
    // The attacker knows who joined and wants to know whether that person is still
    // unemployed; they compare the cell's published figures before and after.
    let before = group("m", 0, 40, "Midtby", 12);
    let with = |pseudonym: usize, unemployed: bool| {
        let mut p = before.clone();
        p.push(person("late", pseudonym, "Midtby", unemployed));
        p
    };
    let shown = |p: &[Person]| read(&publish(p, &rule()), "alle", "alle").unwrap();
    let month_1 = shown(&before);
    // Worlds "unemployed" and "not unemployed" for the same person, under pseudonyms
    // the attacker cannot compute: find two that publish the same figures in month 2.
    let yes: Vec<((i64, i64), usize)> = (0..300).map(|i| (shown(&with(i, true)), i)).collect();
    let no: Vec<((i64, i64), usize)> = (0..300).map(|i| (shown(&with(i, false)), i)).collect();
    let same = yes.iter().find(|(y, _)| no.iter().any(|(n, _)| n == y));
    assert!(
        same.is_some(),
        "no pair of worlds with the same month-2 figures: the change reveals the outcome"
    );
    // The attacker's best rule (the change in the unemployed count) is right no more
    // often than a coin would be, far from certain.
    let guess_right = yes.iter().filter(|((_, e), _)| e - month_1.1 >= 1).count()
        + no.iter().filter(|((_, e), _)| e - month_1.1 < 1).count();
    let rate = guess_right as f64 / 600.0;
    assert!(
        rate < 0.75,
        "attacker right in {:.0} % of worlds",
        rate * 100.0
    );
    // And the unemployed count moves in both worlds: unchanged persons behind a count
    // get new noise when the row's persons change, so "it did not move" says nothing.
    assert!(no.iter().any(|((_, e), _)| *e != month_1.1));
}

#[test]
fn the_same_persons_behind_two_routes_get_the_same_figures() {
    // One district that is the whole municipality: the "all" row and the district row
    // hold the same persons, so they show the same noisy figures and nothing can be
    // averaged away by asking both.
    let people = group("s", 0, 60, "Midtby", 25);
    let mut rule = rule();
    rule.breakdown = None;
    let out = publish(&people, &rule);
    assert_eq!(read(&out, "alle", "alle"), read(&out, "distrikt", "Midtby"));
}
