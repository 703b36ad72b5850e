

select
    cast("id" as bigint) as "leave_request_id",
    cast("employee_id" as bigint) as "employee_id",
    cast("leave_type" as TEXT) as "leave_type",
    cast("start_date" as date) as "start_date",
    cast("end_date" as date) as "end_date",
    cast("days" as double precision) as "days",
    cast("status" as TEXT) as "status",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    _dlt_load_id
from "w"."bytehr"."leave_requests"
where _deleted_at is null