

select
    cast("key" as TEXT) as "field_key",
    cast("label" as TEXT) as "label",
    cast("type" as TEXT) as "field_type",
    cast("entity" as TEXT) as "entity",
    cast("archived" as boolean) as "archived",
    cast("created_at" as timestamp with time zone) as "created_at",
    cast("column_name" as TEXT) as "column_name",
    cast("table_name" as TEXT) as "table_name",
    _dlt_load_id
from "w"."bytehr"."custom_field_definitions"
where _deleted_at is null