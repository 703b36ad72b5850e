


    select
        "coverage_key",
        "provider",
        "tenant",
        "resource",
        "field",
        "column_name",
        "status",
        "rows",
        "present_rows",
        "non_null_rows",
        "present_share",
        "non_null_share",
        "load_id",
        "measured_at"
    from "w"."hr_unified_staging"."bytehr__hr_data_quality"
    union all
    select
        "coverage_key",
        "provider",
        "tenant",
        "resource",
        "field",
        "column_name",
        "status",
        "rows",
        "present_rows",
        "non_null_rows",
        "present_share",
        "non_null_share",
        "load_id",
        "measured_at"
    from "w"."hr_unified_staging"."cutehr__hr_data_quality"
    union all
    select
        "coverage_key",
        "provider",
        "tenant",
        "resource",
        "field",
        "column_name",
        "status",
        "rows",
        "present_rows",
        "non_null_rows",
        "present_share",
        "non_null_share",
        "load_id",
        "measured_at"
    from "w"."hr_unified_staging"."hollyhr__hr_data_quality"
    