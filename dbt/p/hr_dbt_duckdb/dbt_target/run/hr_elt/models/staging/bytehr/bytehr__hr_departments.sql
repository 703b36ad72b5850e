
  
  create view "w"."hr_unified_staging"."bytehr__hr_departments__dbt_tmp" as (
    select
    'bytehr:' || cast(department_id as TEXT) as department_key,
    cast('bytehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(department_id as TEXT) as source_id,
    name,
    case when parent_id is not null then 'bytehr:' || cast(parent_id as TEXT) end as parent_department_key,
    cast(null as TEXT) as head_person_key,
    cost_center,
    updated_at as source_updated_at
from "w"."hr_unified_staging"."stg_bytehr__departments"
  );
