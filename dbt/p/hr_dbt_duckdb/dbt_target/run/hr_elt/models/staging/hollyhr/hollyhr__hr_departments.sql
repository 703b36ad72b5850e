
  
  create view "w"."hr_unified_staging"."hollyhr__hr_departments__dbt_tmp" as (
    with names as (
    select department from "w"."hr_unified_staging"."stg_hollyhr__people"
    union
    select department from "w"."hr_unified_staging"."stg_hollyhr__employments"
    union
    select department from "w"."hr_unified_staging"."stg_hollyhr__employment_history"
)

select
    'hollyhr:' || cast(department as TEXT) as department_key,
    cast('hollyhr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(department as TEXT) as source_id,
    cast(department as TEXT) as name,
    cast(null as TEXT) as parent_department_key,
    cast(null as TEXT) as head_person_key,
    cast(null as TEXT) as cost_center,
    cast(null as timestamp with time zone) as source_updated_at
from names
where department is not null
  );
