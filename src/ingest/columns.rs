//! The checked rows of one file, held as Arrow columns in raw-table order (the
//! batch id aside). The reader thread builds them while it checks each row, so
//! the thread that writes to DuckDB only hands finished columns to the appender;
//! holding rows as `Vec<Vec<Value>>` cost a few allocations per value and made
//! the writer build and free them (the national-scale benchmark's writer was the
//! bottleneck, README "Benchmark: national-scale ingest").

use std::sync::Arc;

use duckdb::arrow::array::{
    Array, ArrayRef, BooleanArray, BooleanBuilder, Date32Array, Date32Builder, Float64Builder,
    Int32Builder, StringArray, StringBuilder,
};
use duckdb::arrow::compute::filter;
use duckdb::arrow::datatypes::DataType;
use duckdb::types::Value;

use crate::extracts::{self, ColumnType, Extract};

/// The types of the values `parse::parse_value` gives for each column of an
/// extract, in raw-table order (a citizen's CPR gives pseudonym, birth date and sex).
pub(super) fn stored_types(extract: &Extract) -> Vec<DataType> {
    let mut out = Vec::new();
    for c in extract.columns {
        match c.ty {
            ColumnType::Cpr => {
                out.push(DataType::Utf8);
                if extract.id == extracts::CITIZENS.id {
                    out.extend([DataType::Date32, DataType::Utf8]);
                }
            }
            ColumnType::Integer => out.push(DataType::Int32),
            ColumnType::Decimal => out.push(DataType::Float64),
            ColumnType::Date | ColumnType::Month => out.push(DataType::Date32),
            ColumnType::YesNo => out.push(DataType::Boolean),
            ColumnType::Text | ColumnType::Code(_) | ColumnType::PostalCode | ColumnType::Disco => {
                out.push(DataType::Utf8)
            }
        }
    }
    out
}

/// The raw-table column each value of [`stored_types`] is stored in, in the same
/// order: the append names its columns, so the raw table's column order does not
/// matter and a column added to it cannot shift the values of the others.
pub(super) fn stored_names(extract: &Extract) -> Vec<&'static str> {
    let mut out = Vec::new();
    for c in extract.columns {
        if c.ty == ColumnType::Cpr {
            out.push("person_id");
            if extract.id == extracts::CITIZENS.id {
                out.extend(["birth_date", "sex"]);
            }
            continue;
        }
        out.push(raw_column(extract.id, c.name));
    }
    out
}

/// The raw-table name of a contract column: the contract speaks the delivering
/// systems' Danish, the store English. A name not listed here is stored under its
/// contract name (and the append refuses it if the raw table has no such column).
fn raw_column(extract: &str, column: &'static str) -> &'static str {
    match (extract, column) {
        (_, "forloeb_id") => "spell_id",
        (_, "startdato") => "start_date",
        (_, "slutdato") => "end_date",
        ("citizens", "postnummer") => "postal_code",
        ("citizens", "distrikt") => "district",
        ("citizens", "herkomst") => "origin",
        ("spells", "maalgruppe") => "target_group",
        ("interviews", "samtale_id") => "interview_id",
        ("interviews", "dato") => "interview_date",
        ("interviews", "nummer") => "seq",
        ("cvs", "registreret_dato") => "registered_date",
        ("cvs", "uddannelse") => "education",
        ("cvs", "erfaring_aar") => "experience_years",
        ("cvs", "seneste_disco") => "disco",
        ("cvs", "koerekort") => "driving_licence",
        ("programmes", "indsats_id") => "programme_id",
        ("programmes", "type") => "programme_type",
        ("status", "maaned") => "month",
        (_, other) => other,
    }
}

enum Builder {
    Text(StringBuilder),
    Date(Date32Builder),
    Int(Int32Builder),
    Double(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: &DataType, rows: usize) -> Builder {
        match ty {
            // Pseudonyms are 32 characters; codes and ids mostly shorter.
            DataType::Utf8 => Builder::Text(StringBuilder::with_capacity(rows, rows * 16)),
            DataType::Date32 => Builder::Date(Date32Builder::with_capacity(rows)),
            DataType::Int32 => Builder::Int(Int32Builder::with_capacity(rows)),
            DataType::Float64 => Builder::Double(Float64Builder::with_capacity(rows)),
            _ => Builder::Bool(BooleanBuilder::with_capacity(rows)),
        }
    }

    fn accepts(&self, v: &Value) -> bool {
        matches!(
            (self, v),
            (_, Value::Null)
                | (Builder::Text(_), Value::Text(_))
                | (Builder::Date(_), Value::Date32(_))
                | (Builder::Int(_), Value::Int(_))
                | (Builder::Double(_), Value::Double(_))
                | (Builder::Bool(_), Value::Boolean(_))
        )
    }

    /// Appends a value [`Builder::accepts`]; anything else is a null.
    fn push(&mut self, v: &Value) {
        match (self, v) {
            (Builder::Text(b), Value::Text(s)) => b.append_value(s),
            (Builder::Date(b), Value::Date32(d)) => b.append_value(*d),
            (Builder::Int(b), Value::Int(x)) => b.append_value(*x),
            (Builder::Double(b), Value::Double(x)) => b.append_value(*x),
            (Builder::Bool(b), Value::Boolean(x)) => b.append_value(*x),
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Date(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Double(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Double(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// Columns being filled row by row.
pub(super) struct ColumnsBuilder {
    builders: Vec<Builder>,
}

impl ColumnsBuilder {
    /// Room for `rows` rows, so that the columns of a large file are not
    /// copied over and over as they grow.
    pub(super) fn new(extract: &Extract, rows: usize) -> ColumnsBuilder {
        ColumnsBuilder {
            builders: stored_types(extract)
                .iter()
                .map(|t| Builder::new(t, rows))
                .collect(),
        }
    }

    /// Appends one row, or nothing and the number of the first value whose type
    /// does not fit its column (a bug in the checks, never bad input).
    pub(super) fn push_row(&mut self, row: &[Value]) -> Result<(), usize> {
        if row.len() != self.builders.len() {
            return Err(row.len().min(self.builders.len()));
        }
        if let Some(i) = self
            .builders
            .iter()
            .zip(row)
            .position(|(b, v)| !b.accepts(v))
        {
            return Err(i);
        }
        for (b, v) in self.builders.iter_mut().zip(row) {
            b.push(v);
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Columns {
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        Columns { arrays }
    }
}

/// Finished columns of equal length.
pub(super) struct Columns {
    arrays: Vec<ArrayRef>,
}

impl Columns {
    pub(super) fn len(&self) -> usize {
        self.arrays.first().map_or(0, |a| a.len())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn arrays(&self) -> &[ArrayRef] {
        &self.arrays
    }

    /// Column `i` as text, if it is a text column.
    pub(super) fn text(&self, i: usize) -> Option<&StringArray> {
        self.arrays.get(i)?.as_any().downcast_ref::<StringArray>()
    }

    /// Column `i` as dates (days since 1970-01-01), if it is a date column.
    pub(super) fn date(&self, i: usize) -> Option<&Date32Array> {
        self.arrays.get(i)?.as_any().downcast_ref::<Date32Array>()
    }

    /// Keeps the rows where `keep` is true.
    pub(super) fn retain(&mut self, keep: &BooleanArray) -> Result<(), String> {
        self.arrays = self
            .arrays
            .iter()
            .map(|a| filter(a.as_ref(), keep).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extracts::{CITIZENS, STATUS};

    #[test]
    fn rows_become_typed_columns_and_a_value_of_the_wrong_type_adds_nothing() {
        let mut b = ColumnsBuilder::new(&STATUS, 0);
        b.push_row(&[
            Value::Text("ab".into()),
            Value::Date32(19_000),
            Value::Text("ydelse".into()),
        ])
        .unwrap();
        assert_eq!(
            b.push_row(&[Value::Text("cd".into()), Value::Int(3), Value::Null]),
            Err(1)
        );
        assert_eq!(b.push_row(&[Value::Text("cd".into())]), Err(1));
        let mut c = b.finish();
        assert_eq!(c.len(), 1);
        assert_eq!(c.text(0).unwrap().value(0), "ab");
        assert!(c.text(1).is_none(), "a date column is not text");
        c.retain(&BooleanArray::from(vec![false])).unwrap();
        assert!(c.is_empty());
        assert_eq!(c.arrays().len(), 3);
    }

    #[test]
    fn every_stored_value_has_a_raw_column_of_its_own() {
        for extract in crate::extracts::ALL {
            let names = stored_names(extract);
            assert_eq!(names.len(), stored_types(extract).len(), "{}", extract.id);
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{}", extract.id);
        }
        assert_eq!(
            stored_names(&CITIZENS),
            [
                "person_id",
                "birth_date",
                "sex",
                "postal_code",
                "district",
                "origin"
            ]
        );
    }

    #[test]
    fn a_citizen_row_has_pseudonym_birth_date_and_sex_before_the_other_columns() {
        let types = stored_types(&CITIZENS);
        assert_eq!(
            types,
            [
                DataType::Utf8,
                DataType::Date32,
                DataType::Utf8,
                DataType::Utf8,
                DataType::Utf8,
                DataType::Utf8
            ]
        );
    }
}
