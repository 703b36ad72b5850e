
  
  create view "w"."hr_unified_staging"."stg_cutehr__leaves__dbt_tmp" as (
    

select
    cast("id" as bigint) as "leave_id",
    cast("employee_id" as bigint) as "employee_id",
    cast("leave_type" as TEXT) as "leave_type",
    cast("from_date" as date) as "from_date",
    cast("to_date" as date) as "to_date",
    cast("days" as double precision) as "days",
    cast("status" as TEXT) as "status",
    cast("applied_at" as timestamp with time zone) as "applied_at",
    cast("modified_at" as timestamp with time zone) as "modified_at",
    _dlt_load_id
from "w"."cutehr"."leaves"
where 1 = 1
  );
