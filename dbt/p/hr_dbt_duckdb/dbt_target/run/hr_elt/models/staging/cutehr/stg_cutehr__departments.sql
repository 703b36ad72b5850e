
  
  create view "w"."hr_unified_staging"."stg_cutehr__departments__dbt_tmp" as (
    

select
    cast("id" as bigint) as "department_id",
    cast("name" as TEXT) as "name",
    cast("head_id" as bigint) as "head_id",
    _dlt_load_id
from "w"."cutehr"."departments"
where _deleted_at is null
  );
