


    select
        "time_off_key",
        "provider",
        "tenant",
        "source_id",
        "person_key",
        "leave_type",
        "source_leave_type",
        "status",
        "source_status",
        "start_date",
        "end_date",
        "days",
        "requested_at",
        "source_updated_at",
        "_dlt_load_id"
    from "w"."hr_unified_staging"."bytehr__hr_time_off"
    union all
    select
        "time_off_key",
        "provider",
        "tenant",
        "source_id",
        "person_key",
        "leave_type",
        "source_leave_type",
        "status",
        "source_status",
        "start_date",
        "end_date",
        "days",
        "requested_at",
        "source_updated_at",
        "_dlt_load_id"
    from "w"."hr_unified_staging"."cutehr__hr_time_off"
    union all
    select
        "time_off_key",
        "provider",
        "tenant",
        "source_id",
        "person_key",
        "leave_type",
        "source_leave_type",
        "status",
        "source_status",
        "start_date",
        "end_date",
        "days",
        "requested_at",
        "source_updated_at",
        "_dlt_load_id"
    from "w"."hr_unified_staging"."hollyhr__hr_time_off"
    