//! The PersistentStore module type: the declarations of everest-core's `modules/Misc/PersistentStore/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// Simple implementation of a SQLite backed persistent key-value store
pub const PERSISTENT_STORE: ModuleType = ModuleType {
    name: "PersistentStore",
    provides: &[Provide::new("main", "kvs")],
    requires: &[],
    parameters: &[Param::string("sqlite_db_file_path").default_str("everest_persistent_store.db")],
};
