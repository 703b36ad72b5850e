
    
    

select
    field_key as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"
where field_key is not null
group by field_key
having count(*) > 1


