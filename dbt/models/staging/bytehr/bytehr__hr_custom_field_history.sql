{#- ByteHR custom field values on the observed timeline: one row per employee, field and interval in
    which the field held one value, from every version of the employees loaded (employees_versions,
    plus current rows loaded before it existed). A field's columns are read from the loaded table
    (`custom_fields__<name>`, and its variant columns `custom_fields__<name>__v_<type>` after a type
    change); custom_field_definitions names its key and label. An archived field's last value stays
    current (ByteHR stops sending archived fields: their absence is no change).
    A multi-select field lands as a child table of each (`employees_versions__custom_fields__<name>`,
    `employees__custom_fields__<name>`, the latter named by the definition's `table_name`): its items
    are joined into one text in list order, as stg_bytehr__employees does (hr_list_text), so a changed
    selection is a new interval and the current interval holds hr_employees' value. -#}
-- depends_on: {{ ref('stg_bytehr__custom_field_definitions') }}
{% set versions = source('bytehr', 'employees_versions') %}
{% set current = source('bytehr', 'employees') %}
{% set version_columns = hr_columns(versions) %}
{% set current_columns = hr_columns(current) %}
{#- base column -> its columns (the base one and its variants) -#}
{% set fields = {} %}
{% for name in version_columns + current_columns if name.startswith('custom_fields__') %}
  {% set base = name.split('__v_')[0] %}
  {% if base not in fields %}{% do fields.update({base: []}) %}{% endif %}
  {% if name not in fields[base] %}{% do fields[base].append(name) %}{% endif %}
{% endfor %}
{#- multi-select fields: base column -> {'current': child table of employees, 'versions': child table of
    employees_versions (either none while nothing landed in it), 'alias': its join's alias} -#}
{% set lists = {} %}
{% set definitions = source('bytehr', 'custom_field_definitions') %}
{% set definition_columns = hr_columns(definitions) %}
{% if 'table_name' in definition_columns and 'column_name' in definition_columns %}
  {% set query %}
    select distinct column_name, table_name from {{ definitions }}
    where table_name is not null and table_name <> '{{ current.identifier }}' and column_name is not null
    order by 1, 2
  {% endset %}
  {% for row in run_query(query) %}
    {% set table = row['table_name'] | lower %}
    {% set current_child = adapter.get_relation(database=current.database, schema=current.schema, identifier=table) %}
    {% set versions_child = none %}
    {% if table.startswith(current.identifier ~ '__') %}
      {% set versions_child = adapter.get_relation(database=versions.database, schema=versions.schema,
                                                   identifier=versions.identifier ~ table[current.identifier | length:]) %}
    {% endif %}
    {% if current_child is not none and versions_child is none and version_columns %}
      {#- a name past the destination's identifier limit is shortened by dlt with a hash: not derivable here -#}
      {% do exceptions.warn('bytehr__hr_custom_field_history: multi-select field ' ~ row['column_name']
                            ~ ' has no versions table ' ~ versions.identifier ~ table[current.identifier | length:]
                            ~ ' (nothing logged yet, or a name dlt shortened): only current rows loaded before'
                            ~ ' employees_versions existed give its values; the logged versions give none') %}
    {% endif %}
    {% set base = row['column_name'] | lower %}
    {% if (current_child is not none or versions_child is not none) and base not in lists %}
      {% do lists.update({base: {'current': current_child, 'versions': versions_child,
                                 'alias': 'list_' ~ (lists | length)}}) %}
      {% if base not in fields %}{% do fields.update({base: []}) %}{% endif %}
    {% endif %}
  {% endfor %}
{% endif %}
{% set sources = [] %}
{% if version_columns %}{% do sources.append((versions, version_columns, true)) %}{% endif %}
{% if current_columns %}{% do sources.append((current, current_columns, false)) %}{% endif %}
{% if fields and sources %}
with versions as (
    {%- for relation, columns, logged in sources %}
    select
        cast(rows.id as {{ hr_text() }}) as employee_id,
        {% if logged -%}
        cast(rows._hr_observed_at as {{ hr_timestamp() }}) as observed_at,
        {%- else -%}
        cast({{ hr_load_time('rows._dlt_load_id') }} as {{ hr_timestamp() }}) as observed_at,
        {%- endif %}
        {% if '_deleted_at' in columns %}rows._deleted_at is not null{% else %}false{% endif %} as is_deleted
        {%- set side = 'versions' if logged else 'current' %}
        {%- for base, names in fields.items() %},
        {%- set parts = [] %}
        {%- if base in lists and lists[base][side] is not none %}
          {%- do parts.append(lists[base]['alias'] ~ '.value') %}
        {%- endif %}
        {%- for name in names if name in columns %}
          {%- do parts.append('cast(rows.' ~ adapter.quote(name) ~ ' as ' ~ hr_text() ~ ')') %}
        {%- endfor %}
        {%- if parts | length == 0 %}
        cast(null as {{ hr_text() }})
        {%- elif parts | length == 1 %}
        {{ parts[0] }}
        {%- else %}
        coalesce({{ parts | join(', ') }})
        {%- endif %} as {{ adapter.quote(base) }}
        {%- endfor %}
    from {{ relation }} as rows
    {%- for base, found in lists.items() if found[side] is not none %}
    left join (
        select item._dlt_parent_id, {{ hr_list_text('item.value', 'item._dlt_list_idx') }} as value
        from {{ found[side] }} as item
        group by item._dlt_parent_id
    ) as {{ found['alias'] }} on {{ found['alias'] }}._dlt_parent_id = rows._dlt_id
    {%- endfor %}
    {%- if not logged and version_columns %}
    where not exists (
        select 1 from {{ versions }} as logged
        where logged.id = rows.id and logged._dlt_load_id = rows._dlt_load_id
    )
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
values_seen as (
    {%- for base in fields %}
    select employee_id, observed_at, is_deleted, '{{ base }}' as column_name, {{ adapter.quote(base) }} as value
    from versions
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
definitions as (
    select field_key, label, coalesce(archived, false) as archived, lower(column_name) as column_name
    from {{ ref('stg_bytehr__custom_field_definitions') }}
    where column_name is not null
),
field_versions as (
    select
        cast('bytehr' as {{ hr_text() }}) as provider,
        {{ hr_tenant() }} as tenant,
        values_seen.employee_id,
        coalesce(definitions.field_key, values_seen.column_name) as field_key,
        definitions.label,
        coalesce(definitions.archived, false) as archived,
        values_seen.value,
        values_seen.observed_at,
        values_seen.is_deleted
    from values_seen
    left join definitions on definitions.column_name = values_seen.column_name
    where not (coalesce(definitions.archived, false) and values_seen.value is null and not values_seen.is_deleted)
),
days as (
    select *,
           {{ hr_local_date('observed_at') }} as valid_from,
           row_number() over (partition by employee_id, field_key, {{ hr_local_date('observed_at') }}
                              order by observed_at desc) as latest_of_day
    from field_versions
),
changes as (
    select *,
           lag({{ hr_state_key(['value', 'is_deleted']) }}) over (partition by employee_id, field_key
                                                                 order by valid_from) as previous_state,
           {{ hr_state_key(['value', 'is_deleted']) }} as state
    from days
    where latest_of_day = 1
),
intervals as (
    select *,
           {{ hr_add_days('lead(valid_from) over (partition by employee_id, field_key order by valid_from)', -1) }}
               as valid_to
    from changes
    where previous_state is null or previous_state <> state
)
select
    provider,
    tenant,
    employee_id,
    field_key as {{ adapter.quote('key') }},
    label,
    value,
    case when {{ hr_matches('value', '^-?[0-9]+([.][0-9]+)?$') }} then cast(value as {{ hr_double() }}) end
        as value_number,
    case when {{ hr_matches('value', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }} then cast(value as date) end as value_date,
    case when lower(value) in ('true', 'false') then lower(value) = 'true' end as value_boolean,
    valid_from,
    valid_to,
    observed_at,
    archived
from intervals
where not is_deleted and not (value is null and previous_state is null)
{% else %}
{#- no custom field loaded yet: the columns, no rows -#}
select
    cast(null as {{ hr_text() }}) as provider, cast(null as {{ hr_text() }}) as tenant,
    cast(null as {{ hr_text() }}) as employee_id, cast(null as {{ hr_text() }}) as {{ adapter.quote('key') }},
    cast(null as {{ hr_text() }}) as label, cast(null as {{ hr_text() }}) as value,
    cast(null as {{ hr_double() }}) as value_number, cast(null as date) as value_date,
    cast(null as {{ hr_bool() }}) as value_boolean, cast(null as date) as valid_from, cast(null as date) as valid_to,
    cast(null as {{ hr_timestamp() }}) as observed_at, cast(null as {{ hr_bool() }}) as archived
where 1 = 0
{% endif %}
