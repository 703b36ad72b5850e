
    
    

select
    attendance_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_cutehr__attendance"
where attendance_id is not null
group by attendance_id
having count(*) > 1


