//! Empty: the suite is tests/ear.rs.
