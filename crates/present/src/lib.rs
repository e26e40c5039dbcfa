//! Shared presentation: Danish number and date formats, chart geometry, the message
//! catalogue and template values. It sits below every module that writes text (model,
//! monitor, pipeline, report, dashboard, web), so none of them has to import the cockpit.

pub mod catalogue;
pub mod chart;
pub mod format;
pub mod messages;
pub mod number;

use std::collections::BTreeMap;

use minijinja::Value;
use serde::Serialize;

/// Converts a serialisable view into a template value, for the cockpit and the
/// committee report alike. Through serde_json rather than minijinja's `Serde`
/// wrapper: a NaN becomes none, which templates show as a gap, never as "NaN".
pub fn to_value<T: Serialize>(view: &T) -> Value {
    json(serde_json::to_value(view).unwrap_or_default())
}

fn json(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::from(()),
        J::Bool(b) => Value::from(b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            (None, None) => Value::from(()),
        },
        J::String(s) => Value::from(s),
        J::Array(items) => Value::from(items.into_iter().map(json).collect::<Vec<_>>()),
        J::Object(map) => Value::from(
            map.into_iter()
                .map(|(k, v)| (k, json(v)))
                .collect::<BTreeMap<String, Value>>(),
        ),
    }
}
