
  
  create view "w"."hr_unified_staging"."stg_hollyhr__documents__dbt_tmp" as (
    

select
    cast("id" as TEXT) as "document_id",
    cast("person_id" as TEXT) as "person_id",
    cast("title" as TEXT) as "title",
    cast("category" as TEXT) as "category",
    cast("file_name" as TEXT) as "file_name",
    cast("content_type" as TEXT) as "content_type",
    cast("size_bytes" as bigint) as "size_bytes",
    cast("uploaded_at" as timestamp with time zone) as "uploaded_at",
    cast("updated_at" as timestamp with time zone) as "updated_at",
    cast("deleted_at" as timestamp with time zone) as "deleted_at",
    deleted_at is not null as is_deleted,
    _dlt_load_id
from "w"."hollyhr"."documents"
where 1 = 1
  );
