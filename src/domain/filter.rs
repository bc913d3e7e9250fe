//! The filter rule, the one users are told: **a filter selects sessions**. A session
//! matches when, for every filtered dimension, its value is in that filter's list (a
//! session without a value for a filtered dimension does not match).
//!
//! - Conference charts count each conference in range that has at least one matching
//!   session, once.
//! - Session, connection and issue charts count the rows that belong to matching
//!   sessions of conferences in range.
//! - With no filter every session matches, and conferences without any session count
//!   too.

use std::fmt;

/// A session dimension that dashboards filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Browser,
    Os,
    Country,
    AppVersion,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Browser,
        Dimension::Os,
        Dimension::Country,
        Dimension::AppVersion,
    ];

    /// The query parameter, which is also the name used in rollup keys.
    pub fn param(self) -> &'static str {
        match self {
            Dimension::Browser => "browser",
            Dimension::Os => "os",
            Dimension::Country => "country",
            Dimension::AppVersion => "app_version",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.param())
    }
}

/// A session's values of the four dimensions (`None` when it never reported one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SessionDimensions {
    pub values: [Option<String>; 4],
}

impl SessionDimensions {
    pub fn get(&self, dimension: Dimension) -> Option<&str> {
        self.values[dimension.index()].as_deref()
    }
}

/// Values accepted per dimension; an empty list means the dimension is not filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    lists: [Vec<String>; 4],
}

/// The most values one dimension's list may hold.
pub const MAX_FILTER_VALUES: usize = 50;
pub const MAX_FILTER_VALUE_LENGTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("{0} has an empty value")]
    Empty(Dimension),
    #[error("{0} lists more than {MAX_FILTER_VALUES} values")]
    TooMany(Dimension),
    #[error("{0} has a value longer than {MAX_FILTER_VALUE_LENGTH} characters")]
    TooLong(Dimension),
}

impl FilterError {
    pub fn dimension(&self) -> Dimension {
        match self {
            FilterError::Empty(d) | FilterError::TooMany(d) | FilterError::TooLong(d) => *d,
        }
    }
}

impl SessionFilter {
    /// Parses one dimension's parameter: a value or a comma-separated list. Values are
    /// kept sorted and without repeats, so equal filters compare (and cache) equal.
    pub fn set(&mut self, dimension: Dimension, text: &str) -> Result<(), FilterError> {
        let mut values = Vec::new();
        for value in text.split(',') {
            let value = value.trim();
            if value.is_empty() {
                return Err(FilterError::Empty(dimension));
            }
            if value.chars().count() > MAX_FILTER_VALUE_LENGTH || value.contains('\0') {
                return Err(FilterError::TooLong(dimension));
            }
            values.push(value.to_owned());
        }
        values.sort();
        values.dedup();
        if values.len() > MAX_FILTER_VALUES {
            return Err(FilterError::TooMany(dimension));
        }
        self.lists[dimension.index()] = values;
        Ok(())
    }

    pub fn with(mut self, dimension: Dimension, values: &[&str]) -> Self {
        let mut list: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        list.sort();
        list.dedup();
        self.lists[dimension.index()] = list;
        self
    }

    pub fn list(&self, dimension: Dimension) -> &[String] {
        &self.lists[dimension.index()]
    }

    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(Vec::is_empty)
    }

    /// The filtered dimensions, in a fixed order.
    pub fn dimensions(&self) -> impl Iterator<Item = Dimension> + '_ {
        Dimension::ALL
            .into_iter()
            .filter(|d| !self.lists[d.index()].is_empty())
    }

    /// When every filtered dimension has one value: those (dimension, value) pairs,
    /// the "point" that a rollup cell can be keyed by.
    pub fn single_point(&self) -> Option<Vec<(Dimension, &str)>> {
        self.dimensions()
            .map(|d| match self.lists[d.index()].as_slice() {
                [one] => Some((d, one.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn matches(&self, session: &SessionDimensions) -> bool {
        self.dimensions().all(|d| {
            session
                .get(d)
                .is_some_and(|value| self.lists[d.index()].iter().any(|v| v == value))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(browser: &str, country: Option<&str>) -> SessionDimensions {
        SessionDimensions {
            values: [
                Some(browser.into()),
                Some("Windows".into()),
                country.map(Into::into),
                None,
            ],
        }
    }

    #[test]
    fn a_session_matches_when_every_filtered_dimension_holds_its_value() {
        let mut filter = SessionFilter::default();
        filter
            .set(Dimension::Browser, "Safari, Chrome,Chrome")
            .unwrap();
        assert_eq!(filter.list(Dimension::Browser), ["Chrome", "Safari"]);
        assert!(filter.matches(&session("Chrome", None)));
        filter.set(Dimension::Country, "US").unwrap();
        assert!(!filter.matches(&session("Chrome", None)));
        assert!(filter.matches(&session("Safari", Some("US"))));
        assert!(!filter.matches(&session("Firefox", Some("US"))));
        assert!(SessionFilter::default().matches(&SessionDimensions::default()));
    }

    #[test]
    fn bad_lists_name_their_dimension() {
        let mut filter = SessionFilter::default();
        assert_eq!(
            filter.set(Dimension::Os, "Windows,,Linux"),
            Err(FilterError::Empty(Dimension::Os))
        );
        let many = (0..=MAX_FILTER_VALUES)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            filter.set(Dimension::AppVersion, &many),
            Err(FilterError::TooMany(Dimension::AppVersion))
        );
    }

    #[test]
    fn single_points_are_found_only_when_each_list_has_one_value() {
        let filter = SessionFilter::default().with(Dimension::Country, &["US"]);
        assert_eq!(
            filter.single_point(),
            Some(vec![(Dimension::Country, "US")])
        );
        let filter = filter.with(Dimension::Browser, &["Chrome", "Edge"]);
        assert_eq!(filter.single_point(), None);
        assert_eq!(SessionFilter::default().single_point(), Some(vec![]));
    }
}
