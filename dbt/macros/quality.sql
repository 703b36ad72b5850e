{#-
  Field coverage as hr-elt measured it: the rows of a vendor dataset's `_hr_elt_field_coverage`
  (written after every run, see pipelines/quality.py), latest per resource and field.
-#}

{% macro hr_latest_coverage(provider) %}
  {#-
    The latest coverage row per resource and field of `provider`'s dataset, in hr_data_quality's
    columns. A dataset loaded before hr-elt measured coverage has no such table: no rows then.
  -#}
  {%- set coverage = source(provider, '_hr_elt_field_coverage') -%}
  {%- set found = adapter.get_relation(coverage.database, coverage.schema, coverage.identifier) if execute else coverage -%}
  {%- set key = dbt.concat(["resource", "':'", "field"]) %}
  {%- if found is none %}
select
    cast(null as {{ hr_text() }}) as coverage_key,
    cast(null as {{ hr_text() }}) as provider,
    cast(null as {{ hr_text() }}) as tenant,
    cast(null as {{ hr_text() }}) as resource,
    cast(null as {{ hr_text() }}) as field,
    cast(null as {{ hr_text() }}) as column_name,
    cast(null as {{ hr_text() }}) as status,
    cast(null as {{ hr_bigint() }}) as {{ adapter.quote('rows') }},
    cast(null as {{ hr_bigint() }}) as present_rows,
    cast(null as {{ hr_bigint() }}) as non_null_rows,
    cast(null as {{ hr_double() }}) as present_share,
    cast(null as {{ hr_double() }}) as non_null_share,
    cast(null as {{ hr_text() }}) as load_id,
    cast(null as {{ hr_timestamp() }}) as measured_at
where 1 = 0
  {%- else %}
with ranked as (
    select
        *,
        row_number() over (partition by resource, field order by measured_at desc, load_id desc) as recency
    from {{ coverage }}
)

select
    {{ hr_key(provider, key) }} as coverage_key,
    cast('{{ provider }}' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(resource as {{ hr_text() }}) as resource,
    cast(field as {{ hr_text() }}) as field,
    cast(column_name as {{ hr_text() }}) as column_name,
    cast(status as {{ hr_text() }}) as status,
    cast({{ adapter.quote('rows') }} as {{ hr_bigint() }}) as {{ adapter.quote('rows') }},
    cast(present_rows as {{ hr_bigint() }}) as present_rows,
    cast(non_null_rows as {{ hr_bigint() }}) as non_null_rows,
    cast(case when {{ adapter.quote('rows') }} > 0
        then cast(present_rows as {{ hr_double() }}) / {{ adapter.quote('rows') }} end as {{ hr_double() }})
        as present_share,
    cast(case when {{ adapter.quote('rows') }} > 0
        then cast(non_null_rows as {{ hr_double() }}) / {{ adapter.quote('rows') }} end as {{ hr_double() }})
        as non_null_share,
    cast(load_id as {{ hr_text() }}) as load_id,
    cast(measured_at as {{ hr_timestamp() }}) as measured_at
from ranked
where recency = 1
  {%- endif %}
{% endmacro %}
