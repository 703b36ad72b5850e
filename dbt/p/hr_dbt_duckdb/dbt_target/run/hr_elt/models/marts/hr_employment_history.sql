
    

    create  table
      "w"."hr_unified"."hr_employment_history__dbt_tmp"
  
    
    as (
      

with unioned as (
    
    select
        "provider",
        "tenant",
        "employee_id",
        "valid_from",
        "valid_to",
        "job_title",
        "department",
        "employment_status",
        "timeline",
        "observed_at"
    from "w"."hr_unified_staging"."bytehr__hr_employment_history"
    union all
    select
        "provider",
        "tenant",
        "employee_id",
        "valid_from",
        "valid_to",
        "job_title",
        "department",
        "employment_status",
        "timeline",
        "observed_at"
    from "w"."hr_unified_staging"."cutehr__hr_employment_history"
    union all
    select
        "provider",
        "tenant",
        "employee_id",
        "valid_from",
        "valid_to",
        "job_title",
        "department",
        "employment_status",
        "timeline",
        "observed_at"
    from "w"."hr_unified_staging"."hollyhr__hr_employment_history"
    
)

select
    *,
    timeline = 'effective' and valid_from <= cast((current_timestamp) at time zone 'UTC' as date)
        and (valid_to is null or valid_to >= cast((current_timestamp) at time zone 'UTC' as date)) as is_current
from unioned
    );
    
  