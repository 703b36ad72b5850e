{#-
  History on two timelines (docs/dbt-history.md).

  Every vendor's staging folder has `stg_<vendor>__employee_versions`: one row per version of an
  employee the pipelines loaded (the `<resource>_versions` append logs, plus the current row when
  its load left no version, e.g. a warehouse loaded before history existed), with the columns
  provider, tenant, employee_id, observed_at, job_title, department, employment_status, hire_date,
  termination_date, is_deleted. The macros here turn such versions into intervals:

  - hr_observed_intervals: the `observed` timeline, dated by the load that saw each change (the
    last version of a day stands for that day, in the tenant's time zone);
  - hr_spanned_effective: the `effective` timeline of a vendor that dates only the employment
    (hire and termination dates): the vendor's latest dates bound the employment, changes in between
    are dated by observation;
  - hr_interval_tail: after a termination date, one open `terminated` interval: a leaver keeps
    their history, and an as-of date after leaving says so.

  Intervals are inclusive dates: `valid_from` is the first day, `valid_to` the last (null: open).
-#}

{% macro hr_load_time(load_id) -%}
  {#- the time a dlt load id stands for (a unix timestamp as text) -#}
  {%- if target.type == 'bigquery' -%}
    timestamp_micros(cast(cast({{ load_id }} as float64) * 1000000 as int64))
  {%- else -%}
    to_timestamp(cast({{ load_id }} as {{ hr_double() }}))
  {%- endif -%}
{%- endmacro %}

{% macro hr_timezone() -%}
  {#- the tenant's time zone (var hr_timezone, default UTC): the zone of "today" and of observed dates -#}
  {{- return(var('hr_timezone', 'UTC')) -}}
{%- endmacro %}

{% macro hr_local_date(timestamp) -%}
  {#- the date a timestamp falls on in the tenant's time zone -#}
  {%- if target.type == 'bigquery' -%}
    date({{ timestamp }}, '{{ hr_timezone() }}')
  {%- else -%}
    cast(({{ timestamp }}) at time zone '{{ hr_timezone() }}' as date)
  {%- endif -%}
{%- endmacro %}

{% macro hr_today() -%}
  {#- today in the tenant's time zone; var hr_today (YYYY-MM-DD) fixes it (tests, reruns of a past day) -#}
  {%- if var('hr_today', '') -%}
    cast('{{ var("hr_today") }}' as date)
  {%- else -%}
    {{ hr_local_date('current_timestamp') }}
  {%- endif -%}
{%- endmacro %}

{% macro hr_add_days(date_expression, days) -%}
  cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro hr_state_key(columns) -%}
  {#- one text value of the columns whose change makes a new interval -#}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ hr_text() ~ "), '~')") -%}
    {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
  {%- endfor -%}
  {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro hr_observed_intervals(versions) -%}
  {#- `versions`: a relation or CTE with the columns of stg_<vendor>__employee_versions.
      One row per observed state: a new interval where job title, department, status or deletion
      changed from the day before it was seen; the last version of a day stands for the day. -#}
  {%- set employee = 'provider, tenant, employee_id' -%}
  select
      provider, tenant, employee_id,
      valid_from,
      {{ hr_add_days('lead(valid_from) over (partition by ' ~ employee ~ ' order by valid_from)', -1) }} as valid_to,
      job_title, department, employment_status,
      cast('observed' as {{ hr_text() }}) as timeline,
      observed_at,
      is_deleted
  from (
      select *
      from (
          select
              *,
              lag(state_key) over (partition by {{ employee }} order by valid_from) as previous_state
          from (
              select
                  provider, tenant, employee_id, job_title, department, employment_status, is_deleted,
                  observed_at,
                  {{ hr_local_date('observed_at') }} as valid_from,
                  {{ hr_state_key(['job_title', 'department', 'employment_status', 'is_deleted']) }} as state_key,
                  row_number() over (
                      partition by {{ employee }}, {{ hr_local_date('observed_at') }}
                      order by observed_at desc
                  ) as latest_of_day
              from {{ versions }}
          ) as days
          where latest_of_day = 1
      ) as states
      where previous_state is null or previous_state <> state_key
  ) as changes
{%- endmacro %}

{% macro hr_employed_status(status) -%}
  {#- inside the employment span a person is employed: a vendor's `terminated` says they left since -#}
  case when {{ status }} in ('on_leave', 'notice_period') then {{ status }} else 'active' end
{%- endmacro %}

{% macro hr_spanned_effective(versions, observed) -%}
  {#- The effective timeline of a vendor that dates only the employment: within the vendor's latest
      hire and termination dates, the observed states (the first one reaching back to the hire
      date), then the terminated tail. `observed`: hr_observed_intervals over `versions`. -#}
  {%- set employee = 'provider, tenant, employee_id' -%}
  select provider, tenant, employee_id, valid_from, valid_to, job_title, department, employment_status,
         cast('effective' as {{ hr_text() }}) as timeline, observed_at
  from (
      select
          o.provider, o.tenant, o.employee_id,
          case when o.state_number = 1 or o.valid_from < s.hire_date then coalesce(s.hire_date, o.valid_from)
               else o.valid_from end as valid_from,
          case when s.termination_date is null then o.valid_to
               when o.valid_to is null or o.valid_to > s.termination_date then s.termination_date
               else o.valid_to end as valid_to,
          o.job_title, o.department,
          {{ hr_employed_status('o.employment_status') }} as employment_status,
          o.observed_at
      from (
          select *, row_number() over (partition by {{ employee }} order by valid_from) as state_number
          from {{ observed }}
          where not is_deleted
      ) as o
      join (
          select provider, tenant, employee_id, hire_date, termination_date
          from (
              select *, row_number() over (partition by {{ employee }} order by observed_at desc) as newest
              from {{ versions }}
              where not is_deleted
          ) as v
          where newest = 1
      ) as s
          on s.provider = o.provider and s.employee_id = o.employee_id
          and coalesce(s.tenant, '') = coalesce(o.tenant, '')
  ) as spans
  where valid_to is null or valid_to >= valid_from
{%- endmacro %}

{% macro hr_interval_tail(intervals) -%}
  {#- `intervals`: an effective timeline; for each employee whose last interval ends (a termination
      date), one open `terminated` interval from the next day with that interval's title and department -#}
  select provider, tenant, employee_id,
         {{ hr_add_days('valid_to', 1) }} as valid_from,
         cast(null as date) as valid_to,
         job_title, department,
         cast('terminated' as {{ hr_text() }}) as employment_status,
         timeline, observed_at
  from (
      select *, row_number() over (partition by provider, tenant, employee_id order by valid_from desc) as latest
      from {{ intervals }}
  ) as last_intervals
  where latest = 1 and valid_to is not null
{%- endmacro %}

{% macro as_of(date) -%}
  {#- hr_employees as it was on `date` (a date literal or expression): every person with an
      effective interval covering it, with that interval's title, department and status; the other
      columns are today's (null for a person the vendor no longer sends).
      Use: select * from ({{ as_of("'2026-06-30'") }}) as employees -#}
  select
      history.provider,
      history.tenant,
      history.employee_id as source_id,
      employees.person_key,
      employees.employee_code,
      employees.full_name,
      employees.email,
      history.job_title,
      history.department as department_name,
      history.employment_status,
      history.employment_status in ('active', 'on_leave', 'notice_period') as is_employed,
      employees.hire_date,
      employees.termination_date,
      history.valid_from,
      history.valid_to
  from {{ ref('hr_employment_history') }} as history
  left join {{ ref('hr_employees') }} as employees
      on employees.provider = history.provider and employees.source_id = history.employee_id
      and coalesce(employees.tenant, '') = coalesce(history.tenant, '')
  where history.timeline = 'effective'
      and history.valid_from <= cast({{ date }} as date)
      and (history.valid_to is null or history.valid_to >= cast({{ date }} as date))
{%- endmacro %}

{% macro hr_versions_union(versions, current, key, fields) -%}
  {#- Every version of the records of `current` (a merged table): the rows of `versions` (its append
      log) with their `_hr_observed_at`, plus each current row whose load wrote no version of it
      (dated by its load). `fields`: [(column, type, alias or none)], `key`: the records' key column.
      Adds observed_at and is_deleted (a snapshot tombstone: the vendor stopped sending the record). -#}
  {%- set version_columns = hr_columns(versions) -%}
  {%- set current_columns = hr_columns(current) -%}
  {%- for relation, columns, logged in [(versions, version_columns, true), (current, current_columns, false)] if columns or not execute %}
  select
      {%- for name, type, alias in fields %}
      {{ hr_field(columns, name, type, alias) }},
      {%- endfor %}
      {% if logged -%}
      cast(rows._hr_observed_at as {{ hr_timestamp() }}) as observed_at,
      {%- else -%}
      cast({{ hr_load_time('rows._dlt_load_id') }} as {{ hr_timestamp() }}) as observed_at,
      {%- endif %}
      {% if '_deleted_at' in columns %}rows._deleted_at is not null{% else %}false{% endif %} as is_deleted,
      rows._dlt_load_id
  from {{ relation }} as rows
  {%- if not logged and version_columns %}
  where not exists (
      select 1 from {{ versions }} as logged
      where logged.{{ adapter.quote(key) }} = rows.{{ adapter.quote(key) }} and logged._dlt_load_id = rows._dlt_load_id
  )
  {%- endif %}
  {% if not loop.last and version_columns and current_columns %}union all{% endif %}
  {%- endfor %}
{%- endmacro %}

{% macro hr_date_spine(first_day, last_day) -%}
  {#- one row per date from `first_day` to `last_day` (inclusive), column `day` -#}
  {%- if target.type == 'bigquery' -%}
    select day from unnest(generate_date_array({{ first_day }}, {{ last_day }})) as day
  {%- else -%}
    select cast(days.day as date) as day
    from generate_series(cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp),
                         interval '1 day') as days(day)
  {%- endif -%}
{%- endmacro %}

{% macro hr_matches(expression, pattern) -%}
  {#- `expression` matches the regular expression `pattern` (anchor it with ^ and $) -#}
  {%- if target.type == 'bigquery' -%}
    regexp_contains({{ expression }}, r'{{ pattern }}')
  {%- elif target.type == 'postgres' -%}
    ({{ expression }} ~ '{{ pattern }}')
  {%- else -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
  {%- endif -%}
{%- endmacro %}
