
    
    

select
    position_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_bytehr__positions"
where position_id is not null
group by position_id
having count(*) > 1


