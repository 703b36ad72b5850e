


    select
        "custom_field_key",
        "provider",
        "tenant",
        "field_key",
        "label",
        "field_type",
        "entity",
        "archived",
        "created_at",
        "source_column",
        "source_table",
        "hr_employees_column"
    from "w"."hr_unified_staging"."bytehr__hr_custom_fields"
    