
    
    

select
    time_off_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_hollyhr__time_off"
where time_off_id is not null
group by time_off_id
having count(*) > 1


