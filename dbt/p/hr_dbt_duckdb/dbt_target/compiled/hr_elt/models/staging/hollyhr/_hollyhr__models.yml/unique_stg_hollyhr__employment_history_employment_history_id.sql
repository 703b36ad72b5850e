
    
    

select
    employment_history_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_hollyhr__employment_history"
where employment_history_id is not null
group by employment_history_id
having count(*) > 1


