
    
    

select
    document_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_hollyhr__documents"
where document_id is not null
group by document_id
having count(*) > 1


