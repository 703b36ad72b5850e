
  
  create view "w"."hr_unified_staging"."stg_bytehr__departments__dbt_tmp" as (
    

select
    cast("id" as bigint) as "department_id",
    cast("name" as TEXT) as "name",
    cast("parent_id" as bigint) as "parent_id",
    cast("cost_center" as TEXT) as "cost_center",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."bytehr"."departments"
where _deleted_at is null
  );
