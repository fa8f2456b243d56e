//! Plans from documents built in code; file-based golden tests live in `tests/hpa_plan.rs`.
