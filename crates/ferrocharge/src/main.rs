//! The ferrocharge binary (being written).

fn main() {}
