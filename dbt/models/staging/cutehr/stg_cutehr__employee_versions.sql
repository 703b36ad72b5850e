{#- Every version of a CuteHR employee the pipelines loaded (employees_versions, plus current rows
    loaded before it existed), in the columns of the history macros (macros/history.sql). -#}
with versions as (
    {{ hr_versions_union(source('cutehr', 'employees_versions'), source('cutehr', 'employees'), 'id', [
        ('id', hr_bigint(), 'employee_id'),
        ('department_id', hr_bigint(), none),
        ('designation', hr_text(), none),
        ('status', hr_text(), none),
        ('date_of_joining', hr_date(), none),
        ('date_of_exit', hr_date(), none),
    ]) }}
)

select
    cast('cutehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(versions.employee_id as {{ hr_text() }}) as employee_id,
    versions.observed_at,
    versions.designation as job_title,
    coalesce(departments.name, cast(versions.department_id as {{ hr_text() }})) as department,
    {{ hr_employment_status('versions.status', {'exited': 'terminated'}) }} as employment_status,
    versions.date_of_joining as hire_date,
    versions.date_of_exit as termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
left join {{ ref('stg_cutehr__departments') }} as departments
    on departments.department_id = versions.department_id
