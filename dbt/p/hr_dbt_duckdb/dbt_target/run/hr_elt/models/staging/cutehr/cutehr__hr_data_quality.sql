
  
  create view "w"."hr_unified_staging"."cutehr__hr_data_quality__dbt_tmp" as (
    
with ranked as (
    select
        *,
        row_number() over (partition by resource, field order by measured_at desc, load_id desc) as recency
    from "w"."cutehr"."_hr_elt_field_coverage"
)

select
    'cutehr:' || cast(resource || ':' || field as TEXT) as coverage_key,
    cast('cutehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(resource as TEXT) as resource,
    cast(field as TEXT) as field,
    cast(column_name as TEXT) as column_name,
    cast(status as TEXT) as status,
    cast("rows" as bigint) as "rows",
    cast(present_rows as bigint) as present_rows,
    cast(non_null_rows as bigint) as non_null_rows,
    cast(case when "rows" > 0
        then cast(present_rows as double precision) / "rows" end as double precision)
        as present_share,
    cast(case when "rows" > 0
        then cast(non_null_rows as double precision) / "rows" end as double precision)
        as non_null_share,
    cast(load_id as TEXT) as load_id,
    cast(measured_at as timestamp with time zone) as measured_at
from ranked
where recency = 1

  );
