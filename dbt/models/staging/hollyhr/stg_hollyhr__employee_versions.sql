{#- Every version of a HollyHR person the pipelines loaded (people_versions, plus current rows loaded
    before it existed), in the columns of the history macros (macros/history.sql). HollyHR mirrors the
    current employment's title and department on the person. -#}
with versions as (
    {{ hr_versions_union(source('hollyhr', 'people_versions'), source('hollyhr', 'people'), 'id', [
        ('id', hr_text(), 'person_id'),
        ('job_title', hr_text(), none),
        ('department', hr_text(), none),
        ('status', hr_text(), none),
        ('start_date', hr_date(), none),
        ('end_date', hr_date(), none),
    ]) }}
)

select
    cast('hollyhr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    versions.person_id as employee_id,
    versions.observed_at,
    versions.job_title,
    versions.department,
    {{ hr_employment_status('versions.status', {'ended': 'terminated'}) }} as employment_status,
    versions.start_date as hire_date,
    versions.end_date as termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
