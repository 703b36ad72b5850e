{#- Every version of a ByteHR employee the pipelines loaded (employees_versions, plus current rows
    loaded before it existed), in the columns of the history macros (macros/history.sql): job title
    from the position, department name from the department (its id when the department is gone). -#}
with versions as (
    {{ hr_versions_union(source('bytehr', 'employees_versions'), source('bytehr', 'employees'), 'id', [
        ('id', hr_bigint(), 'employee_id'),
        ('department_id', hr_bigint(), none),
        ('position_id', hr_bigint(), none),
        ('employment_status', hr_text(), none),
        ('hire_date', hr_date(), none),
        ('termination_date', hr_date(), none),
    ]) }}
)

select
    cast('bytehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(versions.employee_id as {{ hr_text() }}) as employee_id,
    versions.observed_at,
    positions.title as job_title,
    coalesce(departments.name, cast(versions.department_id as {{ hr_text() }})) as department,
    {{ hr_employment_status('versions.employment_status') }} as employment_status,
    versions.hire_date,
    versions.termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
left join {{ ref('stg_bytehr__positions') }} as positions
    on positions.position_id = versions.position_id
left join {{ ref('stg_bytehr__departments') }} as departments
    on departments.department_id = versions.department_id
