
  
  create view "w"."hr_unified_staging"."stg_bytehr__positions__dbt_tmp" as (
    

select
    cast("id" as bigint) as "position_id",
    cast("title" as TEXT) as "title",
    cast("level" as bigint) as "level",
    cast("department_id" as bigint) as "department_id",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."bytehr"."positions"
where _deleted_at is null
  );
