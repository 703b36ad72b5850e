{#- ByteHR employees on two timelines. ByteHR dates the employment (hire_date, termination_date) but
    not a move between departments or positions: within the employment, the effective timeline dates
    those by the load that saw them (macros/history.sql). -#}
{% set versions = ref('stg_bytehr__employee_versions') %}
with observed as (
    {{ hr_observed_intervals(versions) }}
),
effective as (
    {{ hr_spanned_effective(versions, 'observed') }}
)
select provider, tenant, employee_id, valid_from, valid_to, job_title, department, employment_status,
       timeline, observed_at
from observed where not is_deleted
union all
select * from effective
union all
{{ hr_interval_tail('effective') }}
